fn main() -> std::process::ExitCode {
    oemgate::cli::main().into()
}

//! Test-only probe of the Windows platform functions, built by `winpe/build-exe.sh
//! --with-probe` and run under Wine by tests/it/wine.rs. Never shipped. Prints one JSON
//! object on stdout. `wine-probe.exe PATH` also reads PATH through the crate's file source
//! (long paths, Windows path spelling).

use std::collections::HashMap;

use oemgate::source::{FileSource, ReadAt};

fn main() {
    // RandomState seeds from ProcessPrng (bcryptprimitives.dll) on Windows: this proves the
    // exe's random source works (under Wine 8 through the test-only shim).
    let mut seeded: HashMap<&str, u32> = HashMap::new();
    seeded.insert("k", 1);

    let vars = [("OEMGATE_PROBE", "1"), ("OEMGATE_PROBE_TEXT", "Professional N \u{2013} \u{65e5}\u{672c}\u{8a9e}")];
    let ts_set = match oemgate::platform::set_task_sequence_variables(&vars) {
        Ok(b) => serde_json::json!(b),
        Err(e) => serde_json::json!(format!("error: {e}")),
    };
    let get = |name: &str| match oemgate::platform::task_sequence_variable(name) {
        Ok(v) => serde_json::json!(v),
        Err(e) => serde_json::json!(format!("error: {e}")),
    };
    let ts_get = get("_SMSTSLogPath");
    // read back what was set (null when there is no task sequence)
    let ts_back: Vec<serde_json::Value> = vars.iter().map(|(name, _)| get(name)).collect();
    let ts_unset = get("OEMGATE_NEVER_SET");
    let offline: Vec<String> =
        oemgate::platform::offline_os_candidates().iter().map(|p| p.display().to_string()).collect();
    let read = std::env::args_os().nth(1).map(|path| match FileSource::open(&path) {
        Ok(src) => {
            let mut head = vec![0u8; src.len().min(16) as usize];
            match src.read_exact_at(0, &mut head) {
                Ok(()) => serde_json::json!({
                    "len": src.len(),
                    "head": String::from_utf8_lossy(&head),
                }),
                Err(e) => serde_json::json!({ "error": e.to_string(), "exit": oemgate::cli::exit_status(&e).code() }),
            }
        }
        Err(e) => serde_json::json!({ "error": e.to_string(), "exit": oemgate::cli::exit_status(&e).code() }),
    });
    let out = serde_json::json!({
        "read": read,
        "hashmap": seeded.get("k").copied(),
        "vt_colors": oemgate::platform::enable_vt_colors(),
        "ts_set": ts_set,
        "ts_get": ts_get,
        "ts_back": ts_back,
        "ts_unset": ts_unset,
        "ts_log_dir": oemgate::platform::task_sequence_log_dir().map(|p| p.display().to_string()),
        "offline_os": offline,
    });
    println!("{out}");
}

//! An ordered parallel map: items made on the calling thread (reading the file),
//! worked on by a few scoped threads (decompressing, hashing), and handed back to the
//! calling thread in the order they were made. The bytes in flight are bounded, so a
//! multi-GiB image is streamed in constant memory.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Mutex, mpsc};

use crate::error::{Error, Result};

/// Worker threads to use: the machine's cores (a deployment PC has two or more), at most 8.
pub fn default_threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get()).clamp(1, 8)
}

/// Run `work` on every item `produce` yields and give the results to `consume` in the
/// order the items came. `produce` returns `(item, cost)`; items are made while the
/// cost of those made but not yet consumed stays below `budget`, and there are always
/// at least `threads + 1` in flight when there are that many left (so that every
/// worker has something to do). `init` makes each worker's state (its decompressors).
/// The first error from `produce` or `consume` stops everything and is returned.
pub fn ordered<I, O, S, P, W, C, N>(
    threads: usize,
    budget: u64,
    mut produce: P,
    init: N,
    work: W,
    mut consume: C,
) -> Result<()>
where
    I: Send,
    O: Send,
    P: FnMut() -> Result<Option<(I, u64)>>,
    N: Fn() -> S + Sync,
    W: Fn(&mut S, I) -> O + Sync,
    C: FnMut(O) -> Result<()>,
{
    let threads = threads.max(1);
    let (job_tx, job_rx) = mpsc::channel::<(u64, I)>();
    let job_rx = Mutex::new(job_rx);
    let (res_tx, res_rx) = mpsc::channel::<(u64, std::result::Result<O, ()>)>();
    std::thread::scope(|scope| {
        for _ in 0..threads {
            let res_tx = res_tx.clone();
            let (job_rx, init, work) = (&job_rx, &init, &work);
            scope.spawn(move || {
                let mut state = init();
                loop {
                    let job = job_rx.lock().unwrap_or_else(|p| p.into_inner()).recv();
                    let Ok((seq, item)) = job else { break };
                    let out = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| work(&mut state, item)));
                    let failed = out.is_err();
                    if res_tx.send((seq, out.map_err(|_| ()))).is_err() || failed {
                        break;
                    }
                }
            });
        }
        drop(res_tx);
        let mut job_tx = Some(job_tx);
        let result = (|| -> Result<()> {
            let (mut made, mut consumed) = (0u64, 0u64);
            let mut in_flight = 0u64;
            let mut costs: HashMap<u64, u64> = HashMap::new();
            let mut pending: BTreeMap<u64, O> = BTreeMap::new();
            let mut exhausted = false;
            loop {
                while !exhausted && (made - consumed <= threads as u64 || in_flight < budget) {
                    match produce()? {
                        Some((item, cost)) => {
                            let tx = job_tx.as_ref().ok_or_else(internal)?;
                            tx.send((made, item)).map_err(|_| internal())?;
                            costs.insert(made, cost);
                            in_flight += cost;
                            made += 1;
                        }
                        None => exhausted = true,
                    }
                }
                if consumed == made {
                    return Ok(());
                }
                let (seq, out) = res_rx.recv().map_err(|_| internal())?;
                pending.insert(seq, out.map_err(|_| internal())?);
                while let Some(out) = pending.remove(&consumed) {
                    in_flight -= costs.remove(&consumed).unwrap_or(0);
                    consumed += 1;
                    consume(out)?;
                }
            }
        })();
        job_tx.take(); // workers see the closed queue and stop
        result
    })
}

fn internal() -> Error {
    Error::malformed("parallel reader", 0, "a worker thread stopped unexpectedly (internal error)")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_come_back_in_order_and_errors_stop() {
        let mut n = 0u64;
        let mut seen = Vec::new();
        ordered(
            3,
            10,
            || {
                n += 1;
                Ok((n <= 100).then_some((n, 1)))
            },
            || (),
            |_, i| i * 2,
            |o| {
                seen.push(o);
                Ok(())
            },
        )
        .unwrap();
        assert_eq!(seen, (1..=100).map(|i| i * 2).collect::<Vec<_>>());

        let mut n = 0u64;
        let r = ordered(
            2,
            1,
            || {
                n += 1;
                Ok(Some((n, 1)))
            },
            || (),
            |_, i| i,
            |o| if o == 50 { Err(Error::malformed("x", o, "stop")) } else { Ok(()) },
        );
        assert!(r.is_err());
    }
}

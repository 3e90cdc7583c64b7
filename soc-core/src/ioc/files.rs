//! Extraction from files: one file streamed in blocks (see `stream`), and
//! many files on several threads with the results handed on in input
//! order, so the output does not depend on the number of threads.

use std::collections::BTreeMap;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{mpsc, Condvar, Mutex, PoisonError};

use super::read_ahead::ReadAhead;
use super::{Extractor, Found};
use crate::error::IocError;
use crate::model::Indicator;

/// How many files past the oldest unfinished one a worker may start: the
/// results waiting to be handed on stay few even when one file is large.
const AHEAD_PER_THREAD: usize = 4;

/// Size of the blocks a background thread reads ahead of the scan.
const READ_BLOCK: usize = 1 << 20;

impl Extractor {
    /// Extracts indicators from the file at `path`, read in blocks (bounded
    /// memory beyond the indicators found). Invalid UTF-8 is decoded
    /// lossily, as [`Extractor::extract_reader`] does.
    ///
    /// ```
    /// use soc_core::ioc::Extractor;
    /// let dir = tempfile::tempdir().unwrap();
    /// let path = dir.path().join("report.txt");
    /// std::fs::write(&path, "beacon to evil[.]example[.]com").unwrap();
    /// let found = Extractor::default().extract_file(&path).unwrap();
    /// assert_eq!(found[0].value, "evil.example.com");
    /// assert!(Extractor::default().extract_file(dir.path().join("missing")).is_err());
    /// ```
    pub fn extract_file(&self, path: impl AsRef<Path>) -> Result<Vec<Indicator>, IocError> {
        Ok(self.extract_file_found(path)?.into_indicators())
    }

    /// [`Extractor::extract_file`] in compact form: the rows borrowed from
    /// one [`Found`] instead of an owned `Indicator` each (what the CLI
    /// writes from).
    ///
    /// ```
    /// use soc_core::ioc::Extractor;
    /// let dir = tempfile::tempdir().unwrap();
    /// let path = dir.path().join("report.txt");
    /// std::fs::write(&path, "hxxp://evil[.]example[.]com/x").unwrap();
    /// let found = Extractor::default().extract_file_found(&path).unwrap();
    /// assert_eq!(found.iter().next().unwrap().value, "http://evil.example.com/x");
    /// ```
    pub fn extract_file_found(&self, path: impl AsRef<Path>) -> Result<Found, IocError> {
        let path = path.as_ref();
        let io_error = |source| IocError::Io {
            path: path.display().to_string(),
            source,
        };
        let mut file = File::open(path).map_err(io_error)?;
        let len = file.metadata().map_or(0, |m| m.len());
        let hint = usize::try_from(len).unwrap_or(usize::MAX);
        // Several blocks: read the next one while this one is scanned.
        let found = if hint > 2 * READ_BLOCK {
            let mut ahead = ReadAhead::new(file, READ_BLOCK).map_err(io_error)?;
            self.read_found(&mut ahead, hint)
        } else {
            self.read_found(&mut file, hint)
        };
        found.map_err(|e| match e {
            IocError::Io { source, .. } => io_error(source),
            other => other,
        })
    }

    /// Extracts indicators from every file of `paths` on up to `threads`
    /// threads and calls `each(index, result)` for each file in input
    /// order, as soon as the files before it are done. An error from `each`
    /// stops the work (files not started are not read) and is returned.
    ///
    /// ```
    /// use soc_core::ioc::Extractor;
    /// let dir = tempfile::tempdir().unwrap();
    /// let paths: Vec<_> = (0..5).map(|k| {
    ///     let p = dir.path().join(format!("{k}.txt"));
    ///     std::fs::write(&p, format!("host 198.51.100.{k}")).unwrap();
    ///     p
    /// }).collect();
    /// let mut seen = Vec::new();
    /// Extractor::default()
    ///     .extract_files(&paths, 2, |k, found| {
    ///         seen.push((k, found.unwrap().iter().next().unwrap().value.to_string()));
    ///         Ok::<_, std::convert::Infallible>(())
    ///     })
    ///     .unwrap();
    /// assert_eq!(seen[4], (4, "198.51.100.4".to_string()));
    /// ```
    pub fn extract_files<E>(
        &self,
        paths: &[PathBuf],
        threads: usize,
        mut each: impl FnMut(usize, Result<Found, IocError>) -> Result<(), E>,
    ) -> Result<(), E> {
        let threads = threads.clamp(1, paths.len().max(1));
        if threads == 1 {
            for (k, path) in paths.iter().enumerate() {
                each(k, self.extract_file_found(path))?;
            }
            return Ok(());
        }
        let work = Work {
            next: AtomicUsize::new(0),
            stop: AtomicBool::new(false),
            done: Mutex::new(0),
            moved: Condvar::new(),
            ahead: threads * AHEAD_PER_THREAD,
        };
        std::thread::scope(|scope| {
            let (tx, rx) = mpsc::sync_channel(threads);
            for _ in 0..threads {
                let (tx, work) = (tx.clone(), &work);
                scope.spawn(move || {
                    while let Some(k) = work.take(paths.len()) {
                        if tx.send((k, self.extract_file_found(&paths[k]))).is_err() {
                            break;
                        }
                    }
                });
            }
            drop(tx);
            let result = hand_on_in_order(rx, &work, &mut each);
            // Wakes the workers waiting for their turn (on error); the
            // scope joins them.
            work.stop.store(true, Ordering::Relaxed);
            work.moved.notify_all();
            result
        })
    }
}

/// The work shared by the threads of [`Extractor::extract_files`].
struct Work {
    /// The next file index to start.
    next: AtomicUsize,
    /// Set when the results are no longer wanted.
    stop: AtomicBool,
    /// How many files were handed on.
    done: Mutex<usize>,
    /// Signalled when `done` grows or `stop` is set.
    moved: Condvar,
    /// How far past `done` a file may start.
    ahead: usize,
}

impl Work {
    /// The next file to extract (of `n`), once it is at most `ahead` past
    /// the files handed on; `None` when there is none or on stop.
    fn take(&self, n: usize) -> Option<usize> {
        let k = self.next.fetch_add(1, Ordering::Relaxed);
        if k >= n {
            return None;
        }
        let mut done = self.done.lock().unwrap_or_else(PoisonError::into_inner);
        while k >= *done + self.ahead && !self.stop.load(Ordering::Relaxed) {
            done = self
                .moved
                .wait(done)
                .unwrap_or_else(PoisonError::into_inner);
        }
        (!self.stop.load(Ordering::Relaxed)).then_some(k)
    }
}

/// Receives the results in any order and hands them to `each` in index
/// order.
fn hand_on_in_order<T, E>(
    rx: mpsc::Receiver<(usize, T)>,
    work: &Work,
    each: &mut impl FnMut(usize, T) -> Result<(), E>,
) -> Result<(), E> {
    let mut waiting = BTreeMap::new();
    let mut next = 0;
    for (k, result) in rx {
        waiting.insert(k, result);
        while let Some(result) = waiting.remove(&next) {
            each(next, result)?;
            next += 1;
            *work.done.lock().unwrap_or_else(PoisonError::into_inner) = next;
            work.moved.notify_all();
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files(dir: &Path, n: usize) -> Vec<PathBuf> {
        (0..n)
            .map(|k| {
                let p = dir.join(format!("{k}.txt"));
                // Uneven sizes, so that files finish out of order.
                let filler = "plain words ".repeat((n - k) * 500);
                std::fs::write(&p, format!("{filler} 203.0.113.{k} evil{k}[.]com")).unwrap();
                p
            })
            .collect()
    }

    fn run(paths: &[PathBuf], threads: usize) -> Vec<(usize, Vec<String>)> {
        let mut out = Vec::new();
        Extractor::default()
            .extract_files(paths, threads, |k, found| {
                let values = found.unwrap().iter().map(|i| i.value.to_string()).collect();
                out.push((k, values));
                Ok::<_, ()>(())
            })
            .unwrap();
        out
    }

    #[test]
    fn results_are_the_same_and_in_order_on_any_number_of_threads() {
        let dir = tempfile::tempdir().unwrap();
        let paths = files(dir.path(), 40);
        let one = run(&paths, 1);
        assert_eq!(one.len(), 40);
        assert_eq!(one[7].1, ["203.0.113.7", "evil7.com"]);
        for threads in [2, 3, 8, 100] {
            assert_eq!(run(&paths, threads), one, "{threads} threads");
        }
    }

    #[test]
    fn an_error_stops_the_work_and_is_returned() {
        let dir = tempfile::tempdir().unwrap();
        let mut paths = files(dir.path(), 30);
        paths[3] = dir.path().join("missing.txt");
        let mut seen = Vec::new();
        let r = Extractor::default().extract_files(&paths, 4, |k, found| {
            seen.push(k);
            found.map(drop)
        });
        match r {
            Err(IocError::Io { path, .. }) => assert!(path.ends_with("missing.txt"), "{path}"),
            other => panic!("{other:?}"),
        }
        assert_eq!(seen, [0, 1, 2, 3]);
    }

    #[test]
    fn whole_file_and_streamed_reads_agree_with_invalid_utf8() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bad.txt");
        std::fs::write(&path, b"\xff\xfe x 198.51.100.1 \xc3 evil[.]example[.]org").unwrap();
        let whole = Extractor::default().extract_file(&path).unwrap();
        let bytes = std::fs::read(&path).unwrap();
        let streamed = Extractor::default().extract_reader(&bytes[..]).unwrap();
        assert_eq!(whole, streamed);
        assert_eq!(whole.len(), 2);
    }
}

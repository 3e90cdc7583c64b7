//! Running `journalctl` and reading its output lines without blocking.
//!
//! The child's standard output is read by a thread into a bounded channel,
//! so a following source can ask "anything new?" without blocking and a
//! one-shot source reads at the pace the pipeline consumes. Standard error
//! is kept (its first 4 KiB) for the error message if journalctl fails.

use std::io::{BufRead, BufReader, Read};
use std::process::{Child, ChildStderr, Command, ExitStatus, Stdio};
use std::sync::mpsc::{sync_channel, Receiver, RecvTimeoutError, TryRecvError};
use std::thread::JoinHandle;
use std::time::Duration;

/// Longest output line accepted (a journal entry as JSON); longer ones are
/// reported and skipped.
pub(crate) const MAX_ENTRY_BYTES: usize = 1 << 20;

/// How many lines the reader thread may run ahead of the consumer.
const CHANNEL_DEPTH: usize = 1024;

/// What the reader thread hands over.
pub(crate) enum Output {
    /// One output line, without its newline.
    Line(Vec<u8>),
    /// A line longer than [`MAX_ENTRY_BYTES`], skipped.
    TooLong(usize),
    /// Reading stdout failed.
    ReadError(std::io::Error),
}

/// What [`Journalctl::next`] found.
pub(crate) enum Next {
    Output(Output),
    /// Nothing yet (only when not blocking).
    Empty,
    /// journalctl closed its output; here is how it exited.
    Exited {
        status: Option<ExitStatus>,
        stderr: String,
    },
}

/// A running journalctl.
pub(crate) struct Journalctl {
    child: Child,
    lines: Receiver<Output>,
    stderr: Option<JoinHandle<String>>,
}

impl Journalctl {
    /// Spawns `cmd` (stdout and stderr piped, stdin closed).
    pub fn spawn(mut cmd: Command) -> std::io::Result<Journalctl> {
        cmd.stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = cmd.spawn()?;
        let stdout = child
            .stdout
            .take()
            .ok_or_else(|| std::io::Error::other("journalctl has no stdout pipe"))?;
        let stderr = child.stderr.take().map(|e| {
            std::thread::Builder::new()
                .name("soc-journal-stderr".into())
                .spawn(move || collect_stderr(e))
        });
        let (tx, rx) = sync_channel(CHANNEL_DEPTH);
        std::thread::Builder::new()
            .name("soc-journal-read".into())
            .spawn(move || {
                let mut r = BufReader::with_capacity(256 * 1024, stdout);
                loop {
                    let mut buf = Vec::new();
                    let got = (&mut r)
                        .take(MAX_ENTRY_BYTES as u64 + 1)
                        .read_until(b'\n', &mut buf);
                    let msg = match got {
                        Ok(0) => return,
                        Ok(_) if buf.last() == Some(&b'\n') => {
                            buf.pop();
                            Output::Line(buf)
                        }
                        Ok(n) if n > MAX_ENTRY_BYTES => {
                            let skipped = n + skip_line(&mut r);
                            Output::TooLong(skipped)
                        }
                        Ok(_) => Output::Line(buf), // last line without newline
                        Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                        Err(e) => {
                            let _ = tx.send(Output::ReadError(e));
                            return;
                        }
                    };
                    if tx.send(msg).is_err() {
                        return; // the source was dropped
                    }
                }
            })?;
        Ok(Journalctl {
            child,
            lines: rx,
            stderr: stderr.and_then(Result::ok),
        })
    }

    /// The next output, waiting up to `wait` for it (`None`: until it comes).
    pub fn next(&mut self, wait: Option<Duration>) -> Next {
        let got = match wait {
            None => self
                .lines
                .recv()
                .map_err(|_| RecvTimeoutError::Disconnected),
            Some(d) if d.is_zero() => self.lines.try_recv().map_err(|e| match e {
                TryRecvError::Empty => RecvTimeoutError::Timeout,
                TryRecvError::Disconnected => RecvTimeoutError::Disconnected,
            }),
            Some(d) => self.lines.recv_timeout(d),
        };
        match got {
            Ok(o) => Next::Output(o),
            Err(RecvTimeoutError::Timeout) => Next::Empty,
            Err(RecvTimeoutError::Disconnected) => {
                let status = self.child.wait().ok();
                let stderr = self
                    .stderr
                    .take()
                    .and_then(|h| h.join().ok())
                    .unwrap_or_default();
                Next::Exited { status, stderr }
            }
        }
    }
}

impl Drop for Journalctl {
    fn drop(&mut self) {
        // Our own child: stop it and reap it (a no-op when it already exited).
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Skips to the end of the current line; returns the bytes skipped.
fn skip_line(r: &mut impl BufRead) -> usize {
    let mut skipped = 0;
    loop {
        let (done, used) = match r.fill_buf() {
            Ok([]) | Err(_) => return skipped,
            Ok(buf) => match buf.iter().position(|b| *b == b'\n') {
                Some(i) => (true, i + 1),
                None => (false, buf.len()),
            },
        };
        r.consume(used);
        skipped += used;
        if done {
            return skipped;
        }
    }
}

fn collect_stderr(e: ChildStderr) -> String {
    let mut kept = Vec::new();
    let mut r = BufReader::new(e);
    let _ = (&mut r).take(4096).read_to_end(&mut kept);
    // Drain the rest so journalctl never blocks on a full pipe.
    let _ = std::io::copy(&mut r, &mut std::io::sink());
    String::from_utf8_lossy(&kept).trim().to_string()
}

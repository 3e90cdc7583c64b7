//! `soc completions <shell>` and `soc man`: shell completions and manual
//! pages generated from the CLI definition itself (clap_complete,
//! clap_mangen), so they cannot drift from the options `soc` accepts.
//! Both subcommands are hidden: packagers call them at build time
//! (`packaging/build-tree.sh`), users never need to.
//!
//! ```text
//! soc completions bash > /usr/share/bash-completion/completions/soc
//! soc completions zsh  > /usr/share/zsh/vendor-completions/_soc
//! soc completions fish > /usr/share/fish/vendor_completions.d/soc.fish
//! soc man                          # soc.1 on stdout
//! soc man --dir /usr/share/man/man1  # soc.1 and one page per subcommand (soc-run.1, ...)
//! ```

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::CommandFactory;
use clap_complete::Shell;

/// Arguments of `soc completions`.
#[derive(Debug, clap::Args)]
pub struct CompletionsArgs {
    /// The shell to write a completion script for.
    shell: Shell,
}

/// Arguments of `soc man`.
#[derive(Debug, clap::Args)]
pub struct ManArgs {
    /// Write soc.1 and one page per subcommand (soc-run.1, soc-block-list.1, ...)
    /// into DIR instead of printing soc.1 on stdout.
    #[arg(long, value_name = "DIR")]
    dir: Option<PathBuf>,
}

/// The command-line definition that completions and man pages describe.
fn cli() -> clap::Command {
    crate::Cli::command()
}

/// Runs `soc completions`: the script on stdout.
pub fn run_completions(args: CompletionsArgs) -> anyhow::Result<ExitCode> {
    // Generated into memory first: clap_complete panics when its writer
    // fails, and `soc completions bash | head` must not.
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut cli(), "soc", &mut script);
    write_stdout(&script)
}

fn write_stdout(bytes: &[u8]) -> anyhow::Result<ExitCode> {
    let mut out = std::io::stdout().lock();
    out.write_all(bytes)?;
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

/// Runs `soc man`: soc.1 on stdout, or every page into `--dir`.
pub fn run_man(args: ManArgs) -> anyhow::Result<ExitCode> {
    match args.dir {
        None => {
            let mut page = Vec::new();
            clap_mangen::Man::new(cli()).render(&mut page)?;
            write_stdout(&page)
        }
        Some(dir) => {
            std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
            clap_mangen::generate_to(cli(), &dir)
                .with_context(|| format!("writing man pages into {}", dir.display()))?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The man page and every shell's script name each visible subcommand.
    #[test]
    fn generated_texts_name_every_visible_subcommand() {
        let names: Vec<String> = cli()
            .get_subcommands()
            .filter(|s| !s.is_hide_set())
            .map(|s| s.get_name().to_string())
            .collect();
        assert!(names.iter().any(|n| n == "run"), "{names:?}");
        let mut page = Vec::new();
        clap_mangen::Man::new(cli()).render(&mut page).unwrap();
        let page = String::from_utf8(page).unwrap();
        for shell in [Shell::Bash, Shell::Zsh, Shell::Fish] {
            let mut script = Vec::new();
            clap_complete::generate(shell, &mut cli(), "soc", &mut script);
            let script = String::from_utf8(script).unwrap();
            for n in &names {
                assert!(script.contains(n.as_str()), "{shell}: no {n}");
            }
        }
        for n in &names {
            assert!(page.contains(&format!("soc\\-{n}")), "man page: no {n}");
        }
    }
}

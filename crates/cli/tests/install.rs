//! What installing heapscope gives besides the commands: a `--version` that
//! names the commit it was built from, shell completions and a man page,
//! all made from the same argument definitions as `--help`.

use std::process::Command;

fn heapscope(args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_heapscope"))
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn version_names_the_commit_of_a_git_checkout() {
    let version = heapscope(&["--version"]);
    assert!(
        version.starts_with(&format!("heapscope {}", env!("CARGO_PKG_VERSION"))),
        "{version}"
    );
    let head = Command::new("git")
        .args(["rev-parse", "--short=9", "HEAD"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output();
    match head {
        Ok(out) if out.status.success() => {
            let commit = String::from_utf8(out.stdout).unwrap();
            assert!(
                version.contains(&format!("commit {}", commit.trim())),
                "{version}"
            );
        }
        // Built outside a git checkout: the version alone.
        _ => assert_eq!(
            version.trim(),
            format!("heapscope {}", env!("CARGO_PKG_VERSION"))
        ),
    }
}

#[test]
fn completions_cover_every_subcommand() {
    for shell in ["bash", "zsh", "fish"] {
        let script = heapscope(&["completions", shell]);
        for command in ["summary", "leaks", "capture", "hunt"] {
            assert!(script.contains(command), "{shell}: {command}");
        }
        // Options too (fish names them without their dashes).
        assert!(script.contains("fail-on-leak"), "{shell}: --fail-on-leak");
    }
    let out = Command::new(env!("CARGO_BIN_EXE_heapscope"))
        .args(["completions", "tcsh"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(2),
        "an unknown shell is a usage error"
    );
}

#[test]
fn the_man_page_has_every_subcommand_and_its_options() {
    let page = heapscope(&["man"]);
    assert!(
        page.starts_with(".ie") || page.contains(".TH heapscope 1"),
        "{page:.200}"
    );
    assert!(page.contains(".TH heapscope 1"));
    for section in ["HEAPSCOPE LEAKS", "HEAPSCOPE HUNT", "HEAPSCOPE CAPTURE"] {
        assert!(page.contains(section), "{section}");
    }
    assert!(
        page.contains("fail\\-on\\-leak"),
        "leaks options are listed"
    );
}

//! The command line as a user meets it: every input format gives the same
//! answer, filters work, and a bad command line or object id gives one clear
//! line on stderr, exit code 2 and nothing on stdout (bad input files:
//! `bad_input.rs`).

use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::Stdio;

mod common;
use common::{assert_fails, bin, run, temp_dir};

/// The repository's fixture `tests/fixtures/small-a.heapsnapshot.gz` (made by
/// its `make-fixtures.sh`).
fn fixture() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/small-a.heapsnapshot.gz")
}

/// Objects of the fixture that tests look at, found by the shapes that
/// `make-snapshots.js` builds, not by id (ids change when fixtures are remade).
struct Landmarks {
    /// The `shop` object, and the Map it holds as `.customers`.
    shop: u32,
    customers: u32,
    /// A WeakMap value (a `MetaInfo`), its key (a `WeakKey` in an array) and
    /// the WeakMap's table.
    weak_value: u32,
    weak_key: u32,
    weak_table: u32,
}

fn landmarks() -> &'static Landmarks {
    static FOUND: std::sync::OnceLock<Landmarks> = std::sync::OnceLock::new();
    FOUND.get_or_init(|| {
        let s = heapscope_snapshot::read_snapshot(fixture().to_str().unwrap()).unwrap();
        let object = s.node_types.object;
        // (source, edge name, target) for every edge
        let edges = || {
            (0..s.node_count() as u32).flat_map(|v| {
                let s = &s;
                s.edge_range(v)
                    .map(move |e| (v, s.edge_name(e), s.edges.to[e]))
            })
        };
        let (shop, customers) = edges()
            .find(|(_, name, to)| name == "customers" && s.node_name(*to) == "Map")
            .map(|(v, _, to)| (v, to))
            .expect("shop.customers");
        let (weak_key, weak_value) = edges()
            .find(|(v, name, to)| {
                s.nodes.ty[*v as usize] == object
                    && s.node_name(*v) == "WeakKey"
                    && name.contains("part of key")
                    && s.node_name(*to) == "MetaInfo"
            })
            .map(|(v, _, to)| (v, to))
            .expect("a WeakKey -> MetaInfo entry");
        let weak_table = edges()
            .find(|(v, name, to)| {
                name == "table"
                    && s.node_name(*v) == "WeakMap"
                    && s.edge_range(*to).any(|e| s.edges.to[e] == weak_value)
            })
            .map(|(_, _, to)| to)
            .expect("the WeakMap's table");
        let id = |v: u32| s.nodes.id[v as usize];
        Landmarks {
            shop: id(shop),
            customers: id(customers),
            weak_value: id(weak_value),
            weak_key: id(weak_key),
            weak_table: id(weak_table),
        }
    })
}

fn plain_text() -> Vec<u8> {
    let mut text = Vec::new();
    flate2::read::GzDecoder::new(std::fs::File::open(fixture()).unwrap())
        .read_to_end(&mut text)
        .unwrap();
    text
}

#[test]
fn gzip_plain_zstd_and_stdin_give_the_same_summary() {
    let dir = temp_dir("formats");
    let text = plain_text();
    let plain = dir.join("a.heapsnapshot");
    std::fs::write(&plain, &text).unwrap();
    let zst = dir.join("a.heapsnapshot.zst");
    std::fs::write(&zst, zstd::encode_all(&text[..], 3).unwrap()).unwrap();
    let gz = fixture();
    let expect = run(&["summary", gz.to_str().unwrap(), "--json"]);
    assert!(expect.status.success());
    for p in [&plain, &zst] {
        let out = run(&["summary", p.to_str().unwrap(), "--json"]);
        assert!(out.status.success());
        assert_eq!(out.stdout, expect.stdout, "{}", p.display());
    }
    let mut child = bin()
        .args(["summary", "-", "--json"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(&text).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    assert_eq!(out.stdout, expect.stdout);
    // The user's files are left as they were.
    assert_eq!(std::fs::read(&plain).unwrap(), text);
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn filter_limit_and_sort() {
    let f = fixture();
    let out = run(&[
        "summary",
        f.to_str().unwrap(),
        "--json",
        "--filter",
        "^Map$",
    ]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let classes = v["classes"].as_array().unwrap();
    assert_eq!(classes.len(), 1);
    assert_eq!(classes[0]["name"], "Map");
    assert_eq!(v["total_count"], classes[0]["count"]);

    let out = run(&[
        "summary",
        f.to_str().unwrap(),
        "--json",
        "--sort",
        "count",
        "--limit",
        "3",
    ]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let counts: Vec<u64> = v["classes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["count"].as_u64().unwrap())
        .collect();
    assert_eq!(counts.len(), 3);
    assert!(counts.windows(2).all(|w| w[0] >= w[1]));

    let out = run(&[
        "top",
        f.to_str().unwrap(),
        "--json",
        "--filter",
        "^Map$",
        "--limit",
        "2",
    ]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let top = v["top_retained"].as_array().unwrap();
    assert_eq!(top.len(), 2);
    assert!(top.iter().all(|o| o["class_name"] == "Map"));

    let table = run(&["summary", f.to_str().unwrap(), "--limit", "5"]);
    let text = String::from_utf8(table.stdout).unwrap();
    assert!(
        text.contains("Constructor") && text.contains("global"),
        "{text}"
    );
}

#[test]
fn bad_regex() {
    let f = fixture();
    assert_fails(
        &run(&["summary", f.to_str().unwrap(), "--filter", "("]),
        &["--filter"],
    );
}

#[test]
fn help_lists_commands() {
    let out = run(&["--help"]);
    let text = String::from_utf8(out.stdout).unwrap();
    for c in ["summary", "stats", "top"] {
        assert!(text.contains(c));
    }
}

#[test]
fn investigation_commands_work_on_the_example() {
    let f = fixture();
    let f = f.to_str().unwrap();
    let (shop, customers) = (landmarks().shop, landmarks().customers);
    let at = |id: u32| format!("@{id}");
    let out = run(&["retainers", f, &at(customers), "--json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["target"]["class_name"], "Map");
    assert_eq!(v["retainers"][0]["label"], ".customers");
    let path = v["paths"][0].as_array().unwrap();
    assert_eq!(path.last().unwrap()["node"]["id"], customers);
    assert_eq!(path[0]["node"]["id"], 1, "paths start at the root");
    for w in path.windows(2) {
        assert!(
            w[1]["node"]["distance"].as_i64() > w[0]["node"]["distance"].as_i64()
                || w[0]["node"]["id"] == 1
        );
    }

    let out = run(&["retainers", f, "--class", "^Map$", "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let groups = v["path_groups"].as_array().unwrap();
    let grouped: u64 = groups.iter().map(|g| g["count"].as_u64().unwrap()).sum();
    assert_eq!(
        grouped,
        v["count"].as_u64().unwrap(),
        "every instance is in a group"
    );

    let out = run(&["inspect", f, &at(customers), "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let chain = v["dominator_chain"].as_array().unwrap();
    assert_eq!(chain[0]["id"], customers);
    assert_eq!(chain.last().unwrap()["id"], 1);
    assert_eq!(v["outgoing"][0]["label"], "{table}");

    let out = run(&["dominators", f, &at(shop), "--depth", "1", "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let kids = v["children"].as_array().unwrap();
    assert!(!kids.is_empty());
    assert!(kids
        .windows(2)
        .all(|w| w[0]["retained_size"].as_u64() >= w[1]["retained_size"].as_u64()));
    let sum: u64 = kids
        .iter()
        .map(|k| k["retained_size"].as_u64().unwrap())
        .sum::<u64>()
        + v["omitted_size"].as_u64().unwrap();
    assert_eq!(
        sum + v["self_size"].as_u64().unwrap(),
        v["retained_size"].as_u64().unwrap()
    );

    let out = run(&["packages", f, "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let total: u64 = v["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["retained_size"].as_u64().unwrap())
        .sum();
    assert_eq!(
        total,
        v["total_size"].as_u64().unwrap(),
        "every byte is attributed once"
    );

    for cmd in [
        &["strings", f][..],
        &["dominators", f],
        &["packages", f],
        &["inspect", f, "@1"],
    ] {
        let out = run(cmd);
        assert!(out.status.success(), "{cmd:?}");
        assert!(!out.stdout.is_empty());
    }
}

#[test]
fn investigation_bad_input() {
    let f = fixture();
    let f = f.to_str().unwrap();
    assert_fails(
        &run(&["inspect", f, "@999999999"]),
        &["no object with id @999999999"],
    );
    assert_fails(&run(&["retainers", f, "@12345678"]), &["no object with id"]);
    assert_fails(&run(&["inspect", f, "@abc"]), &["object id"]);
    assert_fails(
        &run(&["retainers", f, "--class", "("]),
        &["bad --class regex"],
    );
    assert_fails(
        &run(&["packages", f, "--filter", "["]),
        &["bad --filter regex"],
    );
    assert_fails(&run(&["retainers", f]), &["@ID or --class"]);
    assert_fails(
        &run(&["dominators", f, "@424242424"]),
        &["no object with id"],
    );
}

#[test]
fn weakmap_values_are_reached_through_their_key() {
    // A WeakMap value whose key sits in an array: paths go through the key,
    // never through the WeakMap's table.
    let l = landmarks();
    let f = fixture();
    let out = run(&[
        "retainers",
        f.to_str().unwrap(),
        &format!("@{}", l.weak_value),
        "--paths",
        "3",
        "--json",
    ]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let paths = v["paths"].as_array().unwrap();
    assert!(!paths.is_empty());
    for p in paths {
        let ids: Vec<u64> = p
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["node"]["id"].as_u64().unwrap())
            .collect();
        assert!(
            ids.contains(&(l.weak_key as u64)),
            "through the key: {ids:?}"
        );
        assert!(
            !ids.contains(&(l.weak_table as u64)),
            "not through the table: {ids:?}"
        );
    }
}

/// The three snapshots of the bundled `proxy-tls-sockets` leak, oldest first.
fn proxy_snapshots() -> Vec<String> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../examples/proxy-tls-sockets");
    (1..=3)
        .map(|i| {
            dir.join(format!("s{i}.heapsnapshot.zst"))
                .to_str()
                .unwrap()
                .to_string()
        })
        .collect()
}

#[test]
fn bundled_leak_example_names_the_culprit() {
    let files = proxy_snapshots();
    let mut args = vec!["leaks"];
    args.extend(files.iter().map(String::as_str));
    args.push("--json");
    let out = run(&args);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let top = &v["suspects"][0];
    assert_eq!(top["class"], "TLSSocket");
    assert_eq!(top["package"], "express-http-proxy");
    assert_eq!(top["counts"], serde_json::json!([20, 320, 620]));
    assert!(top["summary"]
        .as_str()
        .unwrap()
        .contains("pile up in one Array"));
}

#[test]
fn fail_on_leak_exits_with_3_only_when_asked() {
    let files = proxy_snapshots();
    let leaks = |extra: &[&str]| {
        let mut args = vec!["leaks"];
        args.extend(files.iter().map(String::as_str));
        args.extend_from_slice(extra);
        run(&args)
    };
    let out = leaks(&["--fail-on-leak"]);
    assert_eq!(
        out.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("TLSSocket"), "the report is printed: {text}");
    assert!(out.stderr.is_empty());

    let out = leaks(&["--fail-on-leak", "--json"]);
    assert_eq!(out.status.code(), Some(3));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(!v["suspects"].as_array().unwrap().is_empty());

    let out = leaks(&[]);
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8(out.stdout).unwrap().contains("TLSSocket"));

    // No suspect above the bar: 0 even with the flag.
    let out = leaks(&["--fail-on-leak", "--min-bytes", "100000000000"]);
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn command_line_errors_are_one_line() {
    let f = fixture();
    let f = f.to_str().unwrap();
    for (args, needles) in [
        (
            &["summary", f, "--bogus"][..],
            &[
                "unexpected argument '--bogus'",
                "(see heapscope summary --help)",
            ][..],
        ),
        (
            &["summary", f, "--filte", "x"],
            &["'--filte'", "a similar argument exists: '--filter'"],
        ),
        (
            &["top", f, "--limit", "abc"],
            &[
                "invalid value 'abc' for '--limit",
                "(see heapscope top --help)",
            ],
        ),
        (
            &["summary", f, "--sort", "nope"],
            &[
                "invalid value 'nope'",
                "possible values: retained, self, count",
            ],
        ),
        (&["inspect", f], &["<ID>", "(see heapscope inspect --help)"]),
        (&["leaks", f], &["at least two snapshots", "three or more"]),
        (
            &["frobnicate"],
            &[
                "unrecognized subcommand 'frobnicate'",
                "(see heapscope --help)",
            ],
        ),
        (
            &["watch", "--pid", "1", "--interval", "5x"],
            &["unknown unit", "(see heapscope watch --help)"],
        ),
    ] {
        let out = run(args);
        assert_fails(&out, needles);
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.starts_with("heapscope: error: "), "{err}");
        assert!(!err.contains("error: error"), "{err}");
        assert!(!err.contains("Usage"), "{err}");
    }
    for args in [&["--help"][..], &["--version"], &["summary", "--help"]] {
        let out = run(args);
        assert_eq!(out.status.code(), Some(0), "{args:?}");
        assert!(!out.stdout.is_empty(), "{args:?}");
        assert!(out.stderr.is_empty(), "{args:?}");
    }
}

#[test]
fn a_filter_that_matches_nothing_is_an_empty_answer_in_every_command() {
    let f = fixture();
    let f = f.to_str().unwrap();
    let files = proxy_snapshots();
    let (s1, s2) = (files[0].as_str(), files[1].as_str());
    let none = "^NoSuchClassAnywhere$";
    // (command, the JSON list that is empty, what the text line names)
    let cases: [(Vec<&str>, &str, String); 5] = [
        (
            vec!["summary", f, "--filter", none],
            "classes",
            f.to_string(),
        ),
        (
            vec!["top", f, "--filter", none],
            "top_retained",
            f.to_string(),
        ),
        (
            vec!["retainers", f, "--class", none],
            "path_groups",
            f.to_string(),
        ),
        (
            vec!["packages", f, "--filter", none],
            "packages",
            f.to_string(),
        ),
        (
            vec!["diff", s1, s2, "--filter", none],
            "classes",
            format!("{s1} → {s2}"),
        ),
    ];
    for (args, list, subject) in cases {
        let out = run(&args);
        assert_eq!(out.status.code(), Some(0), "{args:?}");
        assert!(out.stderr.is_empty(), "{args:?}");
        let option = if args[0] == "retainers" {
            "--class"
        } else {
            "--filter"
        };
        assert_eq!(
            String::from_utf8(out.stdout).unwrap(),
            format!("{subject}: no class name matches {option} '{none}'\n"),
            "{args:?}"
        );

        let mut json_args = args.clone();
        json_args.push("--json");
        let out = run(&json_args);
        assert_eq!(out.status.code(), Some(0), "{json_args:?}");
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(v[list], serde_json::json!([]), "{json_args:?}: {v}");

        // An invalid regex is an error in all of them.
        let mut bad = args.clone();
        *bad.last_mut().unwrap() = "(";
        assert_fails(&run(&bad), &[&format!("bad {option} regex")]);
    }
    // `--filter` is an alias of `retainers --class`.
    let out = run(&["retainers", f, "--filter", none]);
    assert_eq!(out.status.code(), Some(0));
}

/// `report` with a `watch` CSV timeline: the samples are in the page, the
/// verdict computed from them; a broken CSV or a missing input is one clear
/// line, and an existing report is kept unless `--force`.
#[test]
fn report_reads_a_watch_csv_timeline() {
    let dir = temp_dir("report-csv");
    let csv = dir.join("timeline.csv");
    let mut text = String::from("t_s,unix_ms,rss_bytes,cpu_percent,heap_used_bytes,heap_total_bytes,external_bytes,array_buffers_bytes\n");
    for i in 0..40u64 {
        let heap = 10_000_000 + i * 250_000;
        text.push_str(&format!(
            "{}.000,{},{},5.0,{heap},{},1000,500\n",
            i,
            1_700_000_000_000 + i * 1000,
            50_000_000 + i * 300_000,
            heap + 2_000_000
        ));
    }
    std::fs::write(&csv, text).unwrap();
    let out = dir.join("r.html");
    let _ = std::fs::remove_file(&out);
    let fx = fixture();
    let done = run(&[
        "report",
        fx.to_str().unwrap(),
        csv.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ]);
    assert!(
        done.status.success(),
        "{}",
        String::from_utf8_lossy(&done.stderr)
    );
    let html = std::fs::read_to_string(&out).unwrap();
    let start = html.find("id=\"report-data\">").unwrap() + "id=\"report-data\">".len();
    let end = start + html[start..].find("</script>").unwrap();
    let data: serde_json::Value = serde_json::from_str(&html[start..end]).unwrap();
    assert_eq!(data["timeline"]["samples"].as_array().unwrap().len(), 40);
    assert_eq!(
        data["timeline"]["samples"][39]["rss_bytes"],
        50_000_000 + 39 * 300_000
    );
    assert!(data["timeline"]["verdict"]["state"].is_string());
    assert_eq!(data["snapshots"].as_array().unwrap().len(), 1);
    assert!(data["leaks"].is_null(), "one snapshot: no leak analysis");
    // Kept unless --force.
    let again = run(&["report", fx.to_str().unwrap(), "-o", out.to_str().unwrap()]);
    assert_fails(&again, &["exists", "--force"]);
    let forced = run(&[
        "report",
        fx.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--force",
    ]);
    assert!(forced.status.success());
    // A broken CSV names its line and field.
    std::fs::write(&csv, "t_s,unix_ms,rss_bytes,cpu_percent,heap_used_bytes,heap_total_bytes,external_bytes,array_buffers_bytes\n1,2,lots,,,,,\n").unwrap();
    let bad = run(&[
        "report",
        fx.to_str().unwrap(),
        csv.to_str().unwrap(),
        "-o",
        dir.join("b.html").to_str().unwrap(),
    ]);
    assert_fails(&bad, &["timeline.csv", "line 2", "rss_bytes"]);
    let missing = run(&[
        "report",
        "/nonexistent/s1.heapsnapshot",
        "-o",
        dir.join("c.html").to_str().unwrap(),
    ]);
    assert_fails(&missing, &["/nonexistent/s1.heapsnapshot"]);
    assert!(
        !dir.join("b.html").exists() && !dir.join("c.html").exists(),
        "no output on error"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

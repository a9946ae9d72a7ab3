//! `heapscope mcp` driven by a scripted MCP client over stdio (newline-
//! delimited JSON-RPC, as agents speak it): the handshake, the tool list, and
//! answers checked against DevTools' recorded output for the repository's
//! fixtures (Summary, Retainers, Comparison), errors as tool errors, leaks
//! over three snapshots, snapshots kept loaded between calls.

use serde_json::{json, Value};
use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};

fn fixture(name: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures")
        .join(name)
        .display()
        .to_string()
}

fn recorded(name: &str) -> Value {
    serde_json::from_str(&std::fs::read_to_string(fixture(name)).unwrap()).unwrap()
}

/// A client talking to one `heapscope mcp`.
struct Client {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
    next_id: u64,
}

impl Drop for Client {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Client {
    fn start() -> Client {
        let mut child = Command::new(env!("CARGO_BIN_EXE_heapscope"))
            .arg("mcp")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let stdin = child.stdin.take().unwrap();
        let stdout = BufReader::new(child.stdout.take().unwrap());
        let mut c = Client {
            child,
            stdin,
            stdout,
            next_id: 1,
        };
        let init = c.request(
            "initialize",
            json!({"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "heapscope-test", "version": "1"}}),
        );
        assert_eq!(init["serverInfo"]["name"], "heapscope", "{init}");
        c.send(json!({"jsonrpc": "2.0", "method": "notifications/initialized"}));
        c
    }

    fn send(&mut self, message: Value) {
        writeln!(self.stdin, "{message}").unwrap();
        self.stdin.flush().unwrap();
    }

    /// Sends a request and returns its result (skipping notifications).
    fn request(&mut self, method: &str, params: Value) -> Value {
        let id = self.next_id;
        self.next_id += 1;
        self.send(json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        loop {
            let mut line = String::new();
            assert!(
                self.stdout.read_line(&mut line).unwrap() > 0,
                "the server closed stdout"
            );
            let message: Value =
                serde_json::from_str(&line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"));
            if message["id"] == id {
                assert!(message.get("error").is_none(), "{message}");
                return message["result"].clone();
            }
        }
    }

    /// Calls a tool: (is it an error, its structured answer).
    fn call(&mut self, tool: &str, arguments: Value) -> (bool, Value) {
        let result = self.request("tools/call", json!({"name": tool, "arguments": arguments}));
        (
            result["isError"] == true,
            result["structuredContent"].clone(),
        )
    }

    fn ok(&mut self, tool: &str, arguments: Value) -> Value {
        let (error, answer) = self.call(tool, arguments);
        assert!(!error, "{tool}: {answer}");
        answer
    }
}

#[test]
fn an_agent_investigates_the_fixtures_with_devtools_numbers() {
    let mut c = Client::start();
    let tools = c.request("tools/list", json!({}));
    let mut names: Vec<&str> = tools["tools"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "capture",
            "diff",
            "dominators",
            "hunt",
            "inspect",
            "leaks",
            "loaded",
            "packages",
            "retainers",
            "statistics",
            "strings",
            "summary",
            "top"
        ]
    );
    let a = fixture("small-a.heapsnapshot.gz");
    // The Summary, paged, is DevTools' Summary.
    let devtools = recorded("small-a.devtools.json");
    let want = devtools["summary"]["classes"].as_array().unwrap();
    let mut got = Vec::new();
    while got.len() < want.len() {
        let page = c.ok(
            "summary",
            json!({"snapshot": a, "offset": got.len(), "limit": 200}),
        );
        assert_eq!(
            page["classes_matching"].as_u64().unwrap() as usize,
            want.len()
        );
        got.extend(page["classes"].as_array().unwrap().clone());
    }
    for (x, y) in got.iter().zip(want) {
        for key in ["name", "count", "self_size", "retained_size", "distance"] {
            assert_eq!(x[key], y[key], "{key} of {}", y["name"]);
        }
    }
    // Retainers of recorded objects are DevTools' Retainers view.
    let views = recorded("small-a.devtools-retainers.json");
    for (id, view) in views.as_object().unwrap().iter().take(15) {
        let answer = c.ok(
            "retainers",
            json!({"snapshot": a, "id": id.parse::<u32>().unwrap(), "limit": 200}),
        );
        let ours: Vec<(Value, Value)> = answer["retainers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| (e["edge_name"].clone(), e["node"]["id"].clone()))
            .collect();
        let theirs: Vec<(Value, Value)> = view
            .as_array()
            .unwrap()
            .iter()
            .map(|e| (e["edge_name"].clone(), e["retainer_id"].clone()))
            .collect();
        assert_eq!(ours, theirs, "retainers of @{id}");
        assert_eq!(answer["dominator_chain"][0]["id"].to_string(), *id);
    }
    // The Comparison a → b.
    let b = fixture("small-b.heapsnapshot.gz");
    let diff = c.ok("diff", json!({"base": a, "target": b, "limit": 5}));
    assert_eq!(
        diff["totals"],
        recorded("small-a-vs-b.devtools.json")["comparison"]["totals"]
    );
    assert_eq!(diff["classes"].as_array().unwrap().len(), 5);
    // Errors are tool errors the agent can read.
    let (error, answer) = c.call("inspect", json!({"snapshot": a, "id": 4_000_000_000u32}));
    assert!(error);
    assert!(
        answer["error"]
            .as_str()
            .unwrap()
            .contains("no object @4000000000"),
        "{answer}"
    );
    let (error, answer) = c.call("summary", json!({"snapshot": "/nonexistent.heapsnapshot"}));
    assert!(
        error
            && answer["error"]
                .as_str()
                .unwrap()
                .contains("/nonexistent.heapsnapshot"),
        "{answer}"
    );
    // Other views answer compactly.
    let stats = c.ok("statistics", json!({"snapshot": a}));
    assert_eq!(stats["total"], devtools["statistics"]["total"]);
    let top = c.ok("top", json!({"snapshot": a, "limit": 3}));
    assert_eq!(
        top["objects"][0]["object"]["id"],
        devtools["top_retained"][0]["id"]
    );
    let inspected = c.ok(
        "inspect",
        json!({"snapshot": a, "id": devtools["top_retained"][1]["id"], "limit": 3}),
    );
    assert!(inspected["outgoing"].as_array().unwrap().len() <= 3);
    assert!(
        c.ok("dominators", json!({"snapshot": a, "depth": 1}))["children"]
            .as_array()
            .is_some()
    );
    assert!(
        !c.ok("packages", json!({"snapshot": a, "limit": 3}))["packages"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    assert!(
        c.ok("strings", json!({"snapshot": a, "limit": 3}))["total"]
            .as_u64()
            .unwrap()
            > 0
    );
    // Leaks over the three fixtures of one process.
    let c3 = fixture("small-c.heapsnapshot.gz");
    let leaks = c.ok("leaks", json!({"snapshots": [a, b, c3]}));
    assert!(!leaks["suspects"].as_array().unwrap().is_empty(), "{leaks}");
    // Each snapshot was loaded once and stays loaded.
    let loaded = c.ok("loaded", json!({}));
    assert_eq!(loaded["files"].as_array().unwrap().len(), 3, "{loaded}");
}

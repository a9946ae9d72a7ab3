//! The MCP tools: each takes snapshot paths (loaded on first use and kept)
//! and answers compact, paged JSON built from the analysis crate's views.
//! Errors (a missing file, an unknown `@id`) are tool results marked as
//! errors with `{"error": "…"}`, so the agent can read and correct them.

use crate::session::Session;
use crate::McpOptions;
use heapscope_analysis::inspect::{EdgeBrief, NodeBrief};
use heapscope_analysis::leaks::{find_leaks, LeakOptions};
use heapscope_analysis::Analysis;
use heapscope_web::serve::Loaded;
use heapscope_web::Redaction;
use rmcp::handler::server::router::tool::ToolRouter;
use rmcp::handler::server::wrapper::Parameters;
use rmcp::model::{CallToolResult, Implementation, ServerCapabilities, ServerConfig};
use rmcp::{tool, tool_handler, tool_router, ErrorData, ServerHandler};
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{json, Value};
use std::sync::Arc;

/// Rows per answer unless asked, and the most a call may ask for.
const DEFAULT_ROWS: usize = 25;
const MAX_ROWS: usize = 200;

/// The server: the session's snapshots and the tool router.
#[derive(Clone)]
pub struct Heapscope {
    session: Arc<Session>,
    heapscope: Arc<std::path::PathBuf>,
    redaction: Redaction,
    tool_router: ToolRouter<Self>,
}

#[derive(Deserialize, JsonSchema)]
pub struct SnapshotArg {
    /// Path of a .heapsnapshot file (plain, .gz or .zst).
    pub snapshot: String,
}

/// Which rows of a table an answer holds.
#[derive(Deserialize, JsonSchema)]
pub struct Rows {
    /// Rows to skip (paging).
    pub offset: Option<usize>,
    /// Rows to return (default 25, at most 200).
    pub limit: Option<usize>,
}

impl Rows {
    fn offset(&self) -> usize {
        self.offset.unwrap_or(0)
    }

    fn limit(&self) -> usize {
        self.limit.unwrap_or(DEFAULT_ROWS).min(MAX_ROWS)
    }

    /// This page of `items`.
    fn page<T>(&self, items: impl IntoIterator<Item = T>) -> Vec<T> {
        items
            .into_iter()
            .skip(self.offset())
            .take(self.limit())
            .collect()
    }
}

#[derive(Deserialize, JsonSchema)]
pub struct TableArgs {
    /// Path of a .heapsnapshot file (plain, .gz or .zst).
    pub snapshot: String,
    /// Case-insensitive regex on class (or package) names.
    pub filter: Option<String>,
    #[serde(flatten)]
    pub rows: Rows,
}

#[derive(Deserialize, JsonSchema)]
pub struct ObjectArgs {
    /// Path of a .heapsnapshot file (plain, .gz or .zst).
    pub snapshot: String,
    /// The object's id, as in `@12345` (without the @).
    pub id: u32,
    #[serde(flatten)]
    pub rows: Rows,
}

#[derive(Deserialize, JsonSchema)]
pub struct DominatorArgs {
    /// Path of a .heapsnapshot file (plain, .gz or .zst).
    pub snapshot: String,
    /// The subtree's top object id (default: the root).
    pub id: Option<u32>,
    /// Levels below it (default 2, at most 6).
    pub depth: Option<usize>,
    /// Children retaining less than this many bytes are left out.
    pub min_size: Option<u64>,
    /// Largest children kept per node (default 8, at most 50).
    pub children: Option<usize>,
}

#[derive(Deserialize, JsonSchema)]
pub struct DiffArgs {
    /// The earlier snapshot.
    pub base: String,
    /// The later snapshot (of the same process).
    pub target: String,
    /// Case-insensitive regex on class names.
    pub filter: Option<String>,
    #[serde(flatten)]
    pub rows: Rows,
}

#[derive(Deserialize, JsonSchema)]
pub struct LeaksArgs {
    /// Three or more snapshots of one process (one inspector session), oldest first.
    pub snapshots: Vec<String>,
    /// Suspects to return (default 10).
    pub limit: Option<usize>,
}

#[derive(Deserialize, JsonSchema)]
pub struct CaptureArgs {
    /// The process id of a running Node process (heapscope opens its inspector with SIGUSR1).
    pub pid: Option<u32>,
    /// Or its inspector address, HOST:PORT (loopback).
    pub inspect: Option<String>,
    /// Where to write the snapshot (a new file).
    pub output: String,
}

#[derive(Deserialize, JsonSchema)]
pub struct HuntArgs {
    /// The app's command line, e.g. ["node", "server.js"].
    pub command: Vec<String>,
    /// A new or empty folder for the snapshots and results.
    pub output: String,
    /// Seconds per load round (default 5).
    pub round_seconds: Option<u64>,
}

fn regex(filter: &Option<String>) -> Result<Option<regex::Regex>, String> {
    match filter.as_deref().filter(|f| !f.is_empty()) {
        None => Ok(None),
        Some(f) => regex::RegexBuilder::new(f)
            .case_insensitive(true)
            .build()
            .map(Some)
            .map_err(|e| format!("filter: {e}")),
    }
}

fn ordinal(l: &Loaded, id: u32) -> Result<u32, String> {
    l.analysis
        .node_by_id(id)
        .ok_or_else(|| format!("no object @{id} in {}", l.name))
}

impl Heapscope {
    fn brief(&self, a: &Analysis, v: u32) -> NodeBrief {
        let mut b = a.brief(v);
        b.name = self.redaction.node_name(&b.node_type, &b.name);
        b
    }

    fn edges(&self, mut edges: Vec<EdgeBrief>) -> Vec<EdgeBrief> {
        for e in &mut edges {
            e.node.name = self.redaction.node_name(&e.node.node_type, &e.node.name);
        }
        edges
    }

    /// Runs `work` on a blocking thread; its error becomes an error result.
    async fn answer(
        &self,
        work: impl FnOnce(&Heapscope) -> Result<Value, String> + Send + 'static,
    ) -> Result<CallToolResult, ErrorData> {
        let me = self.clone();
        let done = tokio::task::spawn_blocking(move || work(&me))
            .await
            .map_err(|e| ErrorData::internal_error(e.to_string(), None))?;
        Ok(match done {
            Ok(value) => CallToolResult::structured(value),
            Err(message) => CallToolResult::structured_error(json!({ "error": message })),
        })
    }

    /// Runs the heapscope binary with `args` (capture, hunt), bounded in time.
    async fn run_heapscope(
        &self,
        args: Vec<String>,
        seconds: u64,
    ) -> Result<CallToolResult, ErrorData> {
        let mut cmd = tokio::process::Command::new(self.heapscope.as_path());
        cmd.args(&args).kill_on_drop(true);
        let run = tokio::time::timeout(std::time::Duration::from_secs(seconds), cmd.output()).await;
        let result = match run {
            Err(_) => Err(format!("heapscope {} took more than {seconds} s", args[0])),
            Ok(Err(e)) => Err(format!("cannot run heapscope: {e}")),
            Ok(Ok(out)) if out.status.success() => {
                let stdout = String::from_utf8_lossy(&out.stdout);
                let stderr = String::from_utf8_lossy(&out.stderr);
                Ok(serde_json::from_str(&stdout).unwrap_or_else(
                    |_| json!({ "stdout": stdout.trim(), "stderr": stderr.trim() }),
                ))
            }
            Ok(Ok(out)) => Err(String::from_utf8_lossy(&out.stderr).trim().to_string()),
        };
        Ok(match result {
            Ok(value) => CallToolResult::structured(value),
            Err(message) => CallToolResult::structured_error(json!({ "error": message })),
        })
    }
}

#[tool_router]
impl Heapscope {
    pub fn new(options: McpOptions) -> Self {
        Heapscope {
            session: Arc::new(Session::new(options.cache)),
            heapscope: Arc::new(options.heapscope),
            redaction: options.redaction,
            tool_router: Self::tool_router(),
        }
    }

    #[tool(
        description = "DevTools' Summary of a heap snapshot: objects grouped by constructor with count, shallow and retained size, largest retained first. Paged. The first call on a file loads it (seconds for large files); later calls answer at once."
    )]
    async fn summary(
        &self,
        Parameters(args): Parameters<TableArgs>,
    ) -> Result<CallToolResult, ErrorData> {
        self.answer(move |me| {
            let l = me.session.get(&args.snapshot)?;
            let filter = regex(&args.filter)?;
            let matching: Vec<Value> = l
                .summary
                .classes
                .iter()
                .filter(|r| filter.as_ref().is_none_or(|f| f.is_match(&r.name)))
                .map(|r| json!({"name": r.name, "count": r.count, "self_size": r.self_size, "retained_size": r.retained_size, "distance": r.distance}))
                .collect();
            let offset = args.rows.offset();
            Ok(json!({
                "file": l.name, "node_count": l.analysis.snap.node_count(),
                "total_count": l.summary.total_count, "total_self_size": l.summary.total_self_size,
                "classes_matching": matching.len(), "offset": offset,
                "classes": args.rows.page(matching),
            }))
        })
        .await
    }

    #[tool(
        description = "DevTools' Statistics of a heap snapshot: bytes in code, strings, JS arrays, typed arrays, system objects and the rest."
    )]
    async fn statistics(
        &self,
        Parameters(args): Parameters<SnapshotArg>,
    ) -> Result<CallToolResult, ErrorData> {
        self.answer(move |me| {
            let l = me.session.get(&args.snapshot)?;
            serde_json::to_value(&l.statistics).map_err(|e| e.to_string())
        })
        .await
    }

    #[tool(
        description = "The objects with the largest retained size, with their immediate dominator's id."
    )]
    async fn top(
        &self,
        Parameters(args): Parameters<TableArgs>,
    ) -> Result<CallToolResult, ErrorData> {
        self.answer(move |me| {
            let l = me.session.get(&args.snapshot)?;
            let a = &l.analysis;
            let top: Vec<Value> = a
                .top_nodes(args.rows.limit(), |_| true)
                .into_iter()
                .map(|v| json!({"object": me.brief(a, v), "dominator_id": a.snap.nodes.id[a.dom[v as usize] as usize]}))
                .collect();
            Ok(json!({ "objects": top }))
        })
        .await
    }

    #[tool(
        description = "Who keeps an object alive: its retainers (edges pointing to it, DevTools' order, paged), its dominator chain to the root, and its shortest retaining path from a root."
    )]
    async fn retainers(
        &self,
        Parameters(args): Parameters<ObjectArgs>,
    ) -> Result<CallToolResult, ErrorData> {
        self.answer(move |me| {
            let l = me.session.get(&args.snapshot)?;
            let a = &l.analysis;
            let v = ordinal(&l, args.id)?;
            let offset = args.rows.offset();
            let (items, total) = a.retainers_page(v, offset, args.rows.limit());
            let path: Vec<Value> = a
                .retaining_paths(v, 1, 40)
                .first()
                .map(|p| {
                    p.edges
                        .iter()
                        .map(|e| json!({"edge": a.edge_label(e.edge), "to": me.brief(a, e.target)}))
                        .collect()
                })
                .unwrap_or_default();
            let chain: Vec<NodeBrief> = a
                .dominator_chain(v)
                .into_iter()
                .map(|d| me.brief(a, d))
                .collect();
            Ok(json!({
                "object": me.brief(a, v), "retainers_total": total, "offset": offset,
                "retainers": me.edges(items), "dominator_chain": chain, "path_from_root": path,
            }))
        })
        .await
    }

    #[tool(
        description = "Everything about one object: type, class, sizes, distance, where its code is defined (file:line, package), its string value, outgoing edges (largest first, paged) and retainers."
    )]
    async fn inspect(
        &self,
        Parameters(args): Parameters<ObjectArgs>,
    ) -> Result<CallToolResult, ErrorData> {
        self.answer(move |me| {
            let l = me.session.get(&args.snapshot)?;
            let a = &l.analysis;
            let v = ordinal(&l, args.id)?;
            let limit = args.rows.limit();
            let mut d = a.details(v, limit, 300);
            d.node.name = me.redaction.node_name(&d.node.node_type, &d.node.name);
            if let Some(s) = d.string_value.as_mut() {
                s.value = me.redaction.value(&s.value);
            }
            d.outgoing = me.edges(d.outgoing);
            d.incoming = me.edges(d.incoming);
            d.dominator_chain.truncate(12);
            for b in &mut d.dominator_chain {
                b.name = me.redaction.node_name(&b.node_type, &b.name);
            }
            serde_json::to_value(d).map_err(|e| e.to_string())
        })
        .await
    }

    #[tool(
        description = "The dominator tree below an object (or the root): children by retained size, a few levels deep."
    )]
    async fn dominators(
        &self,
        Parameters(args): Parameters<DominatorArgs>,
    ) -> Result<CallToolResult, ErrorData> {
        self.answer(move |me| {
            let l = me.session.get(&args.snapshot)?;
            let a = &l.analysis;
            let v = match args.id {
                Some(id) => ordinal(&l, id)?,
                None => a.snap.root,
            };
            let tree = a.dominator_subtree(
                v,
                args.depth.unwrap_or(2).min(6),
                args.min_size.unwrap_or(0),
                args.children.unwrap_or(8).min(50),
            );
            serde_json::to_value(tree).map_err(|e| e.to_string())
        })
        .await
    }

    #[tool(
        description = "DevTools' Comparison of two snapshots of one process by class: new and deleted objects and their sizes, largest size change first. Paged."
    )]
    async fn diff(
        &self,
        Parameters(args): Parameters<DiffArgs>,
    ) -> Result<CallToolResult, ErrorData> {
        self.answer(move |me| {
            let base = me.session.get(&args.base)?;
            let target = me.session.get(&args.target)?;
            let filter = regex(&args.filter)?;
            let c = heapscope_analysis::diff::compare(&base.analysis, &target.analysis);
            let mut rows_all: Vec<_> = c
                .classes
                .into_iter()
                .filter(|r| filter.as_ref().is_none_or(|f| f.is_match(&r.name)))
                .collect();
            rows_all.sort_by_key(|r| std::cmp::Reverse(r.delta.size_delta.unsigned_abs()));
            let offset = args.rows.offset();
            Ok(json!({
                "totals": c.totals, "classes_matching": rows_all.len(), "offset": offset,
                "classes": args.rows.page(rows_all),
            }))
        })
        .await
    }

    #[tool(
        description = "Leak suspects from three or more snapshots of one process (oldest first): what grows, the code that made it (file:line), what holds it, the package, in plain words."
    )]
    async fn leaks(
        &self,
        Parameters(args): Parameters<LeaksArgs>,
    ) -> Result<CallToolResult, ErrorData> {
        self.answer(move |me| {
            let loaded: Vec<Arc<Loaded>> = args
                .snapshots
                .iter()
                .map(|s| me.session.get(s))
                .collect::<Result<_, _>>()?;
            let refs: Vec<&Analysis> = loaded.iter().map(|l| &l.analysis).collect();
            let mut report = find_leaks(&refs, &LeakOptions::default())
                .map_err(|e| e.explain(&args.snapshots))?;
            report.suspects.truncate(args.limit.unwrap_or(10));
            serde_json::to_value(report).map_err(|e| e.to_string())
        })
        .await
    }

    #[tool(
        description = "Memory by npm package (objects attributed top-down over the dominator tree), largest first."
    )]
    async fn packages(
        &self,
        Parameters(args): Parameters<TableArgs>,
    ) -> Result<CallToolResult, ErrorData> {
        self.answer(move |me| {
            let l = me.session.get(&args.snapshot)?;
            let filter = regex(&args.filter)?;
            let matching: Vec<_> = l.packages().iter().filter(|p| filter.as_ref().is_none_or(|f| f.is_match(&p.name))).cloned().collect();
            let offset = args.rows.offset();
            Ok(json!({ "packages_matching": matching.len(), "offset": offset, "packages": args.rows.page(matching) }))
        })
        .await
    }

    #[tool(
        description = "Duplicated strings and the memory they waste, most wasteful first. Paged."
    )]
    async fn strings(
        &self,
        Parameters(args): Parameters<TableArgs>,
    ) -> Result<CallToolResult, ErrorData> {
        self.answer(move |me| {
            let l = me.session.get(&args.snapshot)?;
            let offset = args.rows.offset();
            let page: Vec<Value> = l
                .strings()
                .iter()
                .skip(offset)
                .take(args.rows.limit())
                .map(|s| json!({"value": me.redaction.value(&s.value.chars().take(200).collect::<String>()), "count": s.count, "wasted_size": s.wasted_size, "self_size": s.self_size, "sample_id": s.sample_id}))
                .collect();
            Ok(json!({ "total": l.strings().len(), "offset": offset, "strings": page }))
        })
        .await
    }

    #[tool(description = "The snapshots this session has loaded (and keeps in memory).")]
    async fn loaded(&self) -> Result<CallToolResult, ErrorData> {
        self.answer(|me| Ok(json!({ "files": me.session.files() })))
            .await
    }

    #[tool(
        description = "Take a heap snapshot of a running Node process (by pid or loopback inspector address) into a new file. The inspector heapscope opens is closed again."
    )]
    async fn capture(
        &self,
        Parameters(args): Parameters<CaptureArgs>,
    ) -> Result<CallToolResult, ErrorData> {
        let mut cli = vec!["capture".to_string()];
        match (args.pid, args.inspect) {
            (Some(pid), None) => cli.extend(["--pid".into(), pid.to_string()]),
            (None, Some(at)) => cli.extend(["--inspect".into(), at]),
            _ => {
                return Ok(CallToolResult::structured_error(
                    json!({"error": "give pid or inspect, not both"}),
                ))
            }
        }
        cli.extend(["-o".into(), args.output]);
        self.run_heapscope(cli, 600).await
    }

    #[tool(
        description = "Reproduce a leak: start the app, drive HTTP load (loopback), take three snapshots in one session, and report suspects with growth per request (the hunt.json document). Takes about 20 s."
    )]
    async fn hunt(
        &self,
        Parameters(args): Parameters<HuntArgs>,
    ) -> Result<CallToolResult, ErrorData> {
        if args.command.is_empty() {
            return Ok(CallToolResult::structured_error(
                json!({"error": "command is empty"}),
            ));
        }
        let round = args.round_seconds.unwrap_or(5).clamp(1, 120);
        let mut cli = vec![
            "hunt".to_string(),
            "--json".into(),
            "-o".into(),
            args.output,
            "--duration".into(),
            format!("{round}s"),
            "--".into(),
        ];
        cli.extend(args.command);
        self.run_heapscope(cli, 60 + 4 * round).await
    }
}

#[tool_handler(router = self.tool_router)]
impl ServerHandler for Heapscope {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(ServerCapabilities::builder().enable_tools().build())
            .with_server_info(Implementation::new("heapscope", env!("CARGO_PKG_VERSION")))
            .with_instructions(
                "heapscope analyzes V8 heap snapshots (.heapsnapshot) of Node.js and Chrome with DevTools' numbers. \
                 Start with `leaks` on three snapshots of one process, or `summary` on one; follow an object with \
                 `retainers` and `inspect` (ids as in @12345). Snapshots stay loaded between calls.",
            )
    }
}

//! [`render_table`]: the report as text, autocannon style: a table of
//! latency, req/s and bytes/s percentiles, then counts, status classes and
//! errors.

use crate::report::{LoadReport, StatSummary};
use heapscope_report::human_bytes;
use std::fmt::Write;

const COLUMNS: [&str; 8] = ["Stat", "2.5%", "50%", "97.5%", "99%", "Avg", "Stdev", "Max"];

/// Renders the final table and summary lines.
pub fn render_table(report: &LoadReport) -> String {
    let l = &report.latency_us;
    let t = &report.throughput;
    let rows = vec![
        [
            "Latency".to_string(),
            micros(l.p2_5 as f64),
            micros(l.p50 as f64),
            micros(l.p97_5 as f64),
            micros(l.p99 as f64),
            micros(l.mean),
            micros(l.stdev),
            micros(l.max as f64),
        ],
        stat_row("Req/Sec", &t.requests_per_second, |v| format!("{v:.0}")),
        stat_row("Bytes/Sec", &t.bytes_per_second, human_bytes),
    ];
    let mut out = grid(&rows);
    let s = &report.settings;
    let _ = writeln!(
        out,
        "Latency p90 {}, p99.9 {}, min {}{}",
        micros(l.p90 as f64),
        micros(l.p99_9 as f64),
        micros(l.min as f64),
        if s.rate.is_some() {
            " (from intended send times)"
        } else {
            ""
        }
    );
    let _ = writeln!(
        out,
        "{} requests in {:.2}s, {} read; {:.0} req/s, {}/s ({} connections, pipelining {}{})",
        report.responses,
        report.elapsed_s,
        human_bytes(report.bytes as f64),
        t.requests_per_s,
        human_bytes(t.bytes_per_s),
        s.connections,
        s.pipelining,
        s.rate.map(|r| format!(", rate {r}/s")).unwrap_or_default()
    );
    let st = &report.status;
    let _ = writeln!(
        out,
        "Status: 1xx {}, 2xx {}, 3xx {}, 4xx {}, 5xx {}{}",
        st.informational,
        st.success,
        st.redirect,
        st.client_error,
        st.server_error,
        if st.other > 0 {
            format!(", other {}", st.other)
        } else {
            String::new()
        }
    );
    let e = &report.errors;
    let _ = writeln!(
        out,
        "Errors: {} (connect {}, reset/closed {}, parse {}); timeouts {}",
        e.total, e.connect, e.reset, e.parse, e.timeouts
    );
    out
}

fn stat_row(name: &str, s: &StatSummary, f: impl Fn(f64) -> String) -> [String; 8] {
    [
        name.to_string(),
        f(s.p2_5),
        f(s.p50),
        f(s.p97_5),
        f(s.p99),
        f(s.mean),
        f(s.stdev),
        f(s.max),
    ]
}

/// A box-drawn table with a header row.
fn grid(rows: &[[String; 8]]) -> String {
    let mut widths = COLUMNS.map(|c| c.chars().count());
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let rule = |l: &str, m: &str, r: &str| {
        let parts: Vec<String> = widths.iter().map(|w| "─".repeat(w + 2)).collect();
        format!("{l}{}{r}\n", parts.join(m))
    };
    let line = |cells: &[String]| {
        let parts: Vec<String> = cells
            .iter()
            .zip(widths)
            .map(|(c, w)| format!(" {c:<w$} "))
            .collect();
        format!("│{}│\n", parts.join("│"))
    };
    let mut out = rule("┌", "┬", "┐");
    out.push_str(&line(&COLUMNS.map(String::from)));
    out.push_str(&rule("├", "┼", "┤"));
    for row in rows {
        out.push_str(&line(row));
    }
    out.push_str(&rule("└", "┴", "┘"));
    out
}

/// A latency in microseconds, in the unit that reads best.
fn micros(us: f64) -> String {
    if us < 1000.0 {
        format!("{us:.0} µs")
    } else if us < 1e6 {
        format!("{:.2} ms", us / 1e3)
    } else {
        format!("{:.2} s", us / 1e6)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units() {
        assert_eq!(micros(850.0), "850 µs");
        assert_eq!(micros(1234.0), "1.23 ms");
        assert_eq!(micros(2_500_000.0), "2.50 s");
    }
}

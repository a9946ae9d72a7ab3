//! Leak growth per unit of work, and what changed between two hunts. With
//! snapshots taken between load rounds of a known size, a suspect's growth
//! per interval becomes growth per request ("+1 Timeout and 208 B per
//! request"), which is what decides whether a leak matters: 208 B per request
//! is 208 MB per million. Comparing two hunts' suspects tells whether a fix
//! worked ("TLSSocket growth gone; nothing new").

use crate::leaks::{LeakReport, Suspect};
use serde::{Deserialize, Serialize};

/// One suspect's growth per request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PerRequest {
    /// `kind` and `class` of the suspect (its identity across hunts).
    pub kind: String,
    pub class: String,
    /// New objects per request (`None` for a growing object, measured in bytes).
    pub objects: Option<f64>,
    /// Retained bytes added per request.
    pub bytes: f64,
}

impl PerRequest {
    /// Bytes a million requests would add.
    pub fn bytes_per_million(&self) -> f64 {
        self.bytes * 1e6
    }
}

/// Growth per request of `suspect` when `requests` requests ran in each
/// interval between snapshots. `None` without requests.
pub fn per_request(suspect: &Suspect, requests: f64) -> Option<PerRequest> {
    if requests.is_nan() || requests <= 0.0 {
        return None;
    }
    let per_interval = suspect.growth_per_interval;
    let (objects, bytes) = if suspect.unit == crate::leaks::Unit::Bytes {
        (None, per_interval / requests)
    } else {
        let bytes_per_object = if suspect.survivors > 0 {
            suspect.retained_size as f64 / suspect.survivors as f64
        } else {
            0.0
        };
        let objects = per_interval / requests;
        (Some(objects), objects * bytes_per_object)
    };
    Some(PerRequest {
        kind: suspect.kind.as_str().to_string(),
        class: suspect.class.clone(),
        objects,
        bytes,
    })
}

/// Heap bytes added per request from the first to the last snapshot.
pub fn heap_per_request(report: &LeakReport, total_requests: f64) -> Option<f64> {
    let (first, last) = (report.snapshots.first()?, report.snapshots.last()?);
    (total_requests > 0.0)
        .then(|| (last.total_size as f64 - first.total_size as f64) / total_requests)
}

/// How one suspect fared from an earlier hunt to this one.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "change", rename_all = "snake_case")]
pub enum Change {
    /// Found before, not now.
    Gone { before: PerRequest },
    /// Found in both; growth per request before and now.
    Still { before: PerRequest, now: PerRequest },
    /// Found now only.
    New { now: PerRequest },
}

/// Matches suspects by kind and class.
pub fn compare(before: &[PerRequest], now: &[PerRequest]) -> Vec<Change> {
    let same = |a: &PerRequest, b: &PerRequest| a.kind == b.kind && a.class == b.class;
    let mut changes: Vec<Change> = before
        .iter()
        .map(|b| match now.iter().find(|n| same(b, n)) {
            Some(n) => Change::Still {
                before: b.clone(),
                now: n.clone(),
            },
            None => Change::Gone { before: b.clone() },
        })
        .collect();
    changes.extend(
        now.iter()
            .filter(|n| !before.iter().any(|b| same(b, n)))
            .map(|n| Change::New { now: n.clone() }),
    );
    changes
}

#[cfg(test)]
mod tests {
    use super::*;

    fn suspect(class: &str, unit: &str, growth: f64, survivors: u64, retained: u64) -> Suspect {
        Suspect {
            kind: crate::leaks::SuspectKind::AccumulatingObjects,
            class: class.into(),
            package: "(app)".into(),
            counts: vec![],
            class_bytes: vec![],
            unit: match unit {
                "bytes" => crate::leaks::Unit::Bytes,
                _ => crate::leaks::Unit::Objects,
            },
            retained_size: retained,
            heap_share: 0.0,
            growth_per_interval: growth,
            survivors,
            related: vec![],
            created_by: None,
            held_by: None,
            added_at: None,
            path: vec![],
            sample_id: 0,
            summary: String::new(),
        }
    }

    #[test]
    fn objects_and_bytes_per_request() {
        // 500 new Timeouts per round of 500 requests, 1,000 alive holding 208 kB.
        let p = per_request(&suspect("Timeout", "objects", 500.0, 1000, 208_000), 500.0).unwrap();
        assert_eq!(p.objects, Some(1.0));
        assert!((p.bytes - 208.0).abs() < 1e-9);
        assert!((p.bytes_per_million() - 208e6).abs() < 1.0);
        let b = per_request(&suspect("Module", "bytes", 1e6, 0, 5e6 as u64), 1000.0).unwrap();
        assert_eq!((b.objects, b.bytes), (None, 1000.0));
        assert!(per_request(&suspect("X", "objects", 1.0, 1, 1), 0.0).is_none());
    }

    #[test]
    fn compare_names_gone_still_and_new() {
        let p = |class: &str| PerRequest {
            kind: "accumulating_objects".into(),
            class: class.into(),
            objects: Some(1.0),
            bytes: 100.0,
        };
        let changes = compare(&[p("TLSSocket"), p("Timeout")], &[p("Timeout"), p("Map")]);
        assert!(matches!(&changes[0], Change::Gone { before } if before.class == "TLSSocket"));
        assert!(matches!(&changes[1], Change::Still { now, .. } if now.class == "Timeout"));
        assert!(matches!(&changes[2], Change::New { now } if now.class == "Map"));
        assert_eq!(changes.len(), 3);
    }
}

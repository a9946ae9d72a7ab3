//! `--redact-strings`: snapshots hold tokens, passwords and personal data in
//! their string values; with redaction on, a value is replaced by its length
//! wherever the report or the UI would show it.

/// Whether string values are shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Redaction {
    #[default]
    Show,
    Mask,
}

impl Redaction {
    pub fn from_flag(redact: bool) -> Self {
        match redact {
            true => Redaction::Mask,
            false => Redaction::Show,
        }
    }

    /// The value as it may be shown: itself, or `‹redacted: N chars›`.
    pub fn value(self, value: &str) -> String {
        match self {
            Redaction::Show => value.to_string(),
            Redaction::Mask => masked(value.chars().count()),
        }
    }

    /// A string object's name (its value) as it may be shown: names of other
    /// node types are code and class names, never masked.
    pub fn node_name(self, node_type: &str, name: &str) -> String {
        match is_string_type(node_type) {
            true => self.value(name),
            false => name.to_string(),
        }
    }
}

/// What a masked value reads as.
pub fn masked(chars: usize) -> String {
    format!("‹redacted: {chars} chars›")
}

/// Node types whose name is the string's value.
pub fn is_string_type(node_type: &str) -> bool {
    matches!(
        node_type,
        "string" | "concatenated string" | "sliced string"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masking_keeps_the_length_and_drops_the_value() {
        let r = Redaction::Mask;
        assert_eq!(r.value("hunter2"), "‹redacted: 7 chars›");
        assert_eq!(r.node_name("string", "secret"), "‹redacted: 6 chars›");
        assert_eq!(r.node_name("closure", "handler"), "handler");
        assert_eq!(Redaction::Show.value("hunter2"), "hunter2");
    }
}

//! Diagnostics for policy files: severity, file:line:column, message and hint, plus the
//! locator that turns a key path (`supported.lines[2].fix_window`) into a source position.

use std::fmt;
use std::ops::Range;

use serde::Serialize;
use toml::Spanned;
use toml::de::{DeTable, DeValue};

/// How bad a diagnostic is: errors fail `embargo policy check`, warnings do not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// The policy cannot be used as written.
    Error,
    /// The policy works but probably says something the team does not mean.
    Warning,
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Error => "error",
            Self::Warning => "warning",
        })
    }
}

/// One problem in a policy file, with its location.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    /// Error or warning.
    pub level: Level,
    /// The file name as given by the caller.
    pub file: String,
    /// 1-based line.
    pub line: usize,
    /// 1-based column, in characters.
    pub column: usize,
    /// What is wrong.
    pub message: String,
    /// How to fix it.
    pub hint: Option<String>,
}

impl Diagnostic {
    /// Whether this diagnostic is an error.
    pub fn is_error(&self) -> bool {
        self.level == Level::Error
    }
}

impl fmt::Display for Diagnostic {
    /// `file:line:column: error: message`, then `  hint: …` on its own line when present —
    /// the shape compilers use, so editors can jump to the location.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}: {}: {}",
            self.file, self.line, self.column, self.level, self.message
        )?;
        if let Some(h) = &self.hint {
            write!(f, "\n  hint: {h}")?;
        }
        Ok(())
    }
}

/// 1-based (line, column) of a byte offset; the column counts characters, not bytes.
pub fn line_col(src: &str, offset: usize) -> (usize, usize) {
    let mut off = offset.min(src.len());
    while off > 0 && !src.is_char_boundary(off) {
        off -= 1;
    }
    let before = &src[..off];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before[line_start..].chars().count() + 1;
    (line, column)
}

/// One step of a key path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Seg<'a> {
    /// A table key.
    Key(&'a str),
    /// An array index.
    Index(usize),
}

/// Collects diagnostics for one source file and locates key paths in it.
pub struct Sink<'s> {
    src: &'s str,
    file: &'s str,
    root: Option<Spanned<DeTable<'s>>>,
    /// Everything reported so far, in order.
    pub diagnostics: Vec<Diagnostic>,
}

impl<'s> Sink<'s> {
    /// A sink for `src` named `file`, locating paths in `root` when it parsed.
    pub fn new(src: &'s str, file: &'s str, root: Option<Spanned<DeTable<'s>>>) -> Self {
        Self {
            src,
            file,
            root,
            diagnostics: Vec::new(),
        }
    }

    /// Reports a diagnostic at a byte span.
    pub fn at_span(
        &mut self,
        level: Level,
        span: Option<Range<usize>>,
        message: String,
        hint: Option<&str>,
    ) {
        let (line, column) = span.map_or((1, 1), |s| line_col(self.src, s.start));
        self.diagnostics.push(Diagnostic {
            level,
            file: self.file.to_owned(),
            line,
            column,
            message,
            hint: hint.map(str::to_owned),
        });
    }

    /// Reports a diagnostic at the value found at `path` (or its nearest existing parent).
    pub fn at(
        &mut self,
        level: Level,
        path: &[Seg<'_>],
        message: impl Into<String>,
        hint: Option<&str>,
    ) {
        let span = self.span_of(path);
        self.at_span(level, span, message.into(), hint);
    }

    /// An error at `path`.
    pub fn error(&mut self, path: &[Seg<'_>], message: impl Into<String>, hint: &str) {
        self.at(Level::Error, path, message, Some(hint));
    }

    /// A warning at `path`.
    pub fn warn(&mut self, path: &[Seg<'_>], message: impl Into<String>, hint: &str) {
        self.at(Level::Warning, path, message, Some(hint));
    }

    /// The span of the deepest value on `path` that exists in the source. For a table that
    /// was written as a `[header]`, the key's span is used so the position points at the
    /// header rather than at the first key inside it.
    pub fn span_of(&self, path: &[Seg<'_>]) -> Option<Range<usize>> {
        let root = self.root.as_ref()?;
        let mut best: Option<Range<usize>> = None;
        let mut cur: &DeValue<'_>;
        let mut table: &DeTable<'_> = root.get_ref();
        let mut array: Option<&[Spanned<DeValue<'_>>]> = None;
        for seg in path {
            let next = match (seg, array) {
                (Seg::Key(k), None) => table
                    .iter()
                    .find(|(key, _)| key.get_ref().as_ref() == *k)
                    .map(|(key, v)| {
                        // Prefer the key's position: it is always where the reader wrote it.
                        best = Some(key.span());
                        v
                    }),
                (Seg::Index(i), Some(items)) => items.get(*i).inspect(|v| {
                    let sp = v.span();
                    // Array-of-tables entries may carry an empty span; keep the parent then.
                    if sp.start < sp.end {
                        best = Some(sp);
                    }
                }),
                _ => None,
            };
            let Some(v) = next else { break };
            cur = v.get_ref();
            match cur {
                DeValue::Table(t) => {
                    table = t;
                    array = None;
                }
                DeValue::Array(a) => array = Some(a),
                _ => array = None,
            }
        }
        best
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn line_col_counts_characters() {
        let src = "a = 1\nbé = \"x\"\n";
        assert_eq!(line_col(src, 0), (1, 1));
        assert_eq!(line_col(src, 6), (2, 1));
        assert_eq!(line_col(src, 10), (2, 4));
        assert_eq!(line_col(src, 999), (3, 1));
    }

    #[test]
    fn locates_nested_paths() {
        let src = "[program]\nname = \"x\"\n\n[[lines]]\nname = \"a\"\n[[lines]]\nname = \"b\"\n";
        let root = DeTable::parse(src).unwrap();
        let sink = Sink::new(src, "p.toml", Some(root));
        let sp = sink
            .span_of(&[Seg::Key("program"), Seg::Key("name")])
            .unwrap();
        assert_eq!(line_col(src, sp.start), (2, 1));
        let sp = sink
            .span_of(&[Seg::Key("lines"), Seg::Index(1), Seg::Key("name")])
            .unwrap();
        assert_eq!(line_col(src, sp.start), (7, 1));
    }
}

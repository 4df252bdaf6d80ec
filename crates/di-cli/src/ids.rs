//! File ids as the command line takes them: an id (`100`), a range (`100-140`), repeated, or
//! one per line from a file or stdin, with `#` comments and blank lines.

use std::collections::HashSet;
use std::io::Read;

use crate::error::Error;

/// The most ids one range may span.
pub(crate) const MAX_RANGE: i64 = 100_000;
/// The most ids one run may take, all sources together.
pub(crate) const MAX_IDS: usize = 1_000_000;

/// An inclusive range of positive ids; a single id is a range of one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct IdRange {
    /// The first id.
    pub(crate) first: i64,
    /// The last id, at least `first`.
    pub(crate) last: i64,
}

impl IdRange {
    /// The ids, in order.
    pub(crate) fn ids(self) -> impl Iterator<Item = i64> {
        self.first..=self.last
    }
}

/// Parses `100` or `100-140`; the error quotes the token.
///
/// # Errors
/// A message for anything but a positive id or an upward range of at most [`MAX_RANGE`] ids.
pub(crate) fn parse_range(token: &str) -> Result<IdRange, String> {
    let bad = |why: &str| format!("{token:?}: {why}");
    let token_trimmed = token.trim();
    let (first, last) = match token_trimmed.split_once('-') {
        Some((first, last)) => (first, last),
        None => (token_trimmed, token_trimmed),
    };
    let parse = |text: &str| -> Result<i64, String> {
        if text.is_empty() || !text.bytes().all(|byte| byte.is_ascii_digit()) {
            return Err(bad(
                "expected a positive id or a range FIRST-LAST, like 100 or 100-140",
            ));
        }
        match text.parse::<i64>() {
            Ok(id) if id > 0 => Ok(id),
            Ok(_) => Err(bad("ids are positive")),
            Err(_) => Err(bad("the id is too large")),
        }
    };
    let (first, last) = (parse(first)?, parse(last)?);
    if last < first {
        return Err(bad("a range runs upwards (FIRST-LAST with FIRST <= LAST)"));
    }
    if last - first >= MAX_RANGE {
        return Err(bad("a range spans at most 100000 ids"));
    }
    Ok(IdRange { first, last })
}

/// Reads an id list: one id or range per line; `#` starts a comment; blank lines are skipped.
/// `source_name` names the source in errors.
///
/// # Errors
/// [`Error::IdList`] naming the line and the token.
pub(crate) fn parse_list(text: &str, source_name: &str) -> Result<Vec<IdRange>, Error> {
    let mut ranges = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let content = line
            .split_once('#')
            .map_or(line, |(before, _)| before)
            .trim();
        if content.is_empty() {
            continue;
        }
        let error = |message: String| Error::IdList {
            source_name: source_name.to_owned(),
            line: index + 1,
            message,
        };
        if content.split_whitespace().nth(1).is_some() {
            return Err(error(format!("{content:?}: one id or range per line")));
        }
        ranges.push(parse_range(content).map_err(error)?);
    }
    Ok(ranges)
}

/// Reads the id list at `path`, or stdin for `-`.
///
/// # Errors
/// [`Error::Read`] when the file cannot be read; [`Error::IdList`] when it does not parse.
pub(crate) fn read_list(path: &str) -> Result<Vec<IdRange>, Error> {
    let (name, text) = read_text(path)?;
    parse_list(&text, &name)
}

/// Reads the text at `path`, or stdin for `-`; returns its name for messages (`<stdin>`) and
/// the text.
///
/// # Errors
/// [`Error::Read`] when it cannot be read.
pub(crate) fn read_text(path: &str) -> Result<(String, String), Error> {
    if path == "-" {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .map_err(|source| Error::Read {
                path: "<stdin>".to_owned(),
                source,
            })?;
        Ok(("<stdin>".to_owned(), text))
    } else {
        let text = std::fs::read_to_string(path).map_err(|source| Error::Read {
            path: path.to_owned(),
            source,
        })?;
        Ok((path.to_owned(), text))
    }
}

/// The ids of `ranges`, in the order given, each once.
///
/// # Errors
/// [`Error::Usage`] when there are none, or more than [`MAX_IDS`].
pub(crate) fn expand(ranges: &[IdRange]) -> Result<Vec<i64>, Error> {
    let mut seen = HashSet::new();
    let mut ids = Vec::new();
    for id in ranges.iter().flat_map(|range| range.ids()) {
        if seen.insert(id) {
            if ids.len() == MAX_IDS {
                return Err(Error::Usage(format!(
                    "too many file ids: at most {MAX_IDS} in one run"
                )));
            }
            ids.push(id);
        }
    }
    if ids.is_empty() {
        return Err(Error::Usage("no file ids given".to_owned()));
    }
    Ok(ids)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_ids_and_ranges() {
        assert_eq!(
            parse_range("100").unwrap(),
            IdRange {
                first: 100,
                last: 100
            }
        );
        assert_eq!(
            parse_range("100-140").unwrap().ids().count(),
            41,
            "inclusive"
        );
        for bad in [
            "5-x", "x", "", "-", "0", "1-0", "-5", "5-", "1-2-3", "+5", "1-100001",
        ] {
            let error = parse_range(bad).unwrap_err();
            assert!(error.contains(&format!("{bad:?}")), "{bad}: {error}");
        }
        assert!(parse_range("99999999999999999999").is_err());
        assert!(parse_range("1-100000").is_ok());
    }

    #[test]
    fn reads_lists_with_comments_and_names_bad_lines() {
        let ranges =
            parse_list("# tasks\n100\n\n  101-103  # the batch\n100\n", "ids.txt").unwrap();
        assert_eq!(expand(&ranges).unwrap(), vec![100, 101, 102, 103]);
        let error = parse_list("1\n2\n7-y\n", "ids.txt")
            .unwrap_err()
            .to_string();
        assert!(error.starts_with("ids.txt:3:"), "{error}");
        assert!(error.contains("7-y"), "{error}");
        assert!(parse_list("1 2\n", "f").is_err());
        assert!(expand(&parse_list("# none\n", "f").unwrap()).is_err());
    }
}

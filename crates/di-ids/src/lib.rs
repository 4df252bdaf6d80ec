//! File ids as the `di` command line takes them (crate `di-cli`): an id (`100`), a range
//! (`100-140`), repeated, or one per line from a file or stdin, with `#` comments and blank
//! lines; and the ids they expand to, each once, under the caps [`MAX_RANGE`] and
//! [`MAX_IDS`].
//!
//! A crate of its own, with no dependency but `thiserror`, so that the fuzz targets
//! (`crates/di-fuzz`) reach the parser without building what the command is built on (its
//! argument parser, HTTP client and TLS stack).
//!
//! - [`parse_range`]: one token, `100` or `100-140`, into an [`IdRange`];
//! - [`parse_list`]: a list, one id or range per line;
//! - [`expand`]: the ids of some ranges, each once, where it first appears;
//! - [`compact`]: the other way, ids into the fewest ranges that [`parse_range`] reads back;
//! - [`IdError`]: why ids were refused, quoting the token or naming the line.
//!
//! ```
//! use di_ids::{expand, parse_list, parse_range};
//!
//! let range = parse_range("100-103")?;
//! assert_eq!((range.first(), range.last()), (100, 103));
//! assert_eq!(range.to_string(), "100-103");
//!
//! let listed = parse_list("# the batch\n102\n 101-104  # again\n", "ids.txt")?;
//! // Each id once, where it first appears.
//! assert_eq!(expand(&[&[range][..], &listed].concat())?, [100, 101, 102, 103, 104]);
//! # Ok::<(), di_ids::IdError>(())
//! ```
#![warn(missing_docs)]
#![warn(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used, clippy::panic))]

use std::collections::BTreeMap;
use std::fmt;

/// The most ids one range may span: `1-100000` is the widest range from 1.
pub const MAX_RANGE: i64 = 100_000;
/// The most ids one run may take, all sources together (after duplicates are dropped).
pub const MAX_IDS: usize = 1_000_000;

/// Why file ids were refused. Every message quotes the token (or names the line) at fault.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum IdError {
    /// A token that is not digits, or two runs of digits joined by one `-`.
    #[error("{token:?}: expected a positive id or a range FIRST-LAST, like 100 or 100-140")]
    Malformed {
        /// The token, as given.
        token: String,
    },
    /// An id of 0.
    #[error("{token:?}: ids are positive")]
    NotPositive {
        /// The token, as given.
        token: String,
    },
    /// An id above `i64::MAX`.
    #[error("{token:?}: the id is too large")]
    TooLarge {
        /// The token, as given.
        token: String,
    },
    /// A range whose last id is below its first.
    #[error("{token:?}: a range runs upwards (FIRST-LAST with FIRST <= LAST)")]
    Downward {
        /// The token, as given.
        token: String,
    },
    /// A range of more than [`MAX_RANGE`] ids.
    #[error("{token:?}: a range spans at most {MAX_RANGE} ids")]
    TooWide {
        /// The token, as given.
        token: String,
    },
    /// A line of a list with more than one token.
    #[error("{content:?}: one id or range per line")]
    SeveralPerLine {
        /// The line, comment and surrounding whitespace removed.
        content: String,
    },
    /// A line of a list that does not parse.
    #[error("{source_name}:{line}: {error}")]
    InList {
        /// The list's name, as the caller gave it (a file name, `<stdin>`).
        source_name: String,
        /// The line number, from 1.
        line: usize,
        /// What is wrong with the line: [`IdError::SeveralPerLine`], or the error of its
        /// token.
        error: Box<IdError>,
    },
    /// More than [`MAX_IDS`] distinct ids.
    #[error("too many file ids: at most {MAX_IDS} in one run")]
    TooMany,
    /// No ids at all.
    #[error("no file ids given")]
    NoIds,
}

/// An inclusive range of positive ids, at most [`MAX_RANGE`] long; a single id is a range of
/// one. Made by [`parse_range`] and [`parse_list`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct IdRange {
    first: i64,
    last: i64,
}

impl IdRange {
    /// The first id (at least 1).
    pub fn first(self) -> i64 {
        self.first
    }

    /// The last id (at least [`IdRange::first`], less than `first + MAX_RANGE`).
    pub fn last(self) -> i64 {
        self.last
    }

    /// The ids, in ascending order.
    pub fn ids(self) -> impl Iterator<Item = i64> {
        self.first..=self.last
    }
}

/// `100` for a range of one, else `100-140`: the form [`parse_range`] reads back.
impl fmt::Display for IdRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.first == self.last {
            write!(f, "{}", self.first)
        } else {
            write!(f, "{}-{}", self.first, self.last)
        }
    }
}

/// Parses `100` or `100-140` (ASCII digits, leading zeros allowed, whitespace around the
/// token ignored).
///
/// # Errors
/// An [`IdError`] quoting the token, for anything but a positive id or an upward range of at
/// most [`MAX_RANGE`] ids: [`IdError::Malformed`], [`IdError::NotPositive`],
/// [`IdError::TooLarge`] (the first end is checked first), then [`IdError::Downward`],
/// [`IdError::TooWide`].
pub fn parse_range(token: &str) -> Result<IdRange, IdError> {
    let owned = || token.to_owned();
    let trimmed = token.trim();
    let (first, last) = trimmed.split_once('-').unwrap_or((trimmed, trimmed));
    let parse = |text: &str| -> Result<i64, IdError> {
        if text.is_empty() || !text.bytes().all(|byte| byte.is_ascii_digit()) {
            return Err(IdError::Malformed { token: owned() });
        }
        match text.parse::<i64>() {
            Ok(id) if id > 0 => Ok(id),
            Ok(_) => Err(IdError::NotPositive { token: owned() }),
            Err(_) => Err(IdError::TooLarge { token: owned() }),
        }
    };
    let (first, last) = (parse(first)?, parse(last)?);
    if last < first {
        return Err(IdError::Downward { token: owned() });
    }
    if last - first >= MAX_RANGE {
        return Err(IdError::TooWide { token: owned() });
    }
    Ok(IdRange { first, last })
}

/// Reads an id list: one id or range per line; `#` starts a comment, anywhere on a line;
/// blank lines (and lines that are only a comment) are skipped. Lines end with `\n` or
/// `\r\n`. `source_name` names the list in errors.
///
/// Returns one range per remaining line, in order.
///
/// # Errors
/// [`IdError::InList`] for the first line that does not parse, with its number and what is
/// wrong with it.
pub fn parse_list(text: &str, source_name: &str) -> Result<Vec<IdRange>, IdError> {
    let mut ranges = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let content = line
            .split_once('#')
            .map_or(line, |(before, _)| before)
            .trim();
        if content.is_empty() {
            continue;
        }
        let in_list = |error: IdError| IdError::InList {
            source_name: source_name.to_owned(),
            line: index + 1,
            error: Box::new(error),
        };
        if content.split_whitespace().nth(1).is_some() {
            return Err(in_list(IdError::SeveralPerLine {
                content: content.to_owned(),
            }));
        }
        ranges.push(parse_range(content).map_err(in_list)?);
    }
    Ok(ranges)
}

/// The ids of `ranges`, in the order the ranges give them, each once: an id that an earlier
/// range (or an earlier part of the same list) already gave is dropped, so the result holds
/// every id of the ranges exactly once, at its first appearance.
///
/// The work grows with the ids returned and the number of ranges, not with how much the
/// ranges overlap (a long list of one wide range repeated costs little more than the range).
///
/// # Errors
/// [`IdError::NoIds`] when `ranges` is empty; [`IdError::TooMany`] when the ranges hold more
/// than [`MAX_IDS`] distinct ids.
pub fn expand(ranges: &[IdRange]) -> Result<Vec<i64>, IdError> {
    // The ids given so far, as disjoint intervals that do not touch: first -> last.
    let mut given: BTreeMap<i64, i64> = BTreeMap::new();
    let mut ids = Vec::new();
    for range in ranges {
        let (first, last) = (range.first, range.last);
        // The intervals that overlap or touch the range: the one that starts before it, if it
        // reaches `first - 1` (ids are positive, so this does not overflow), and those that
        // start within it or right after it.
        let before = given
            .range(..first)
            .next_back()
            .filter(|(_, end)| **end >= first - 1)
            .map_or(first, |(start, _)| *start);
        let touching: Vec<(i64, i64)> = given
            .range(before..=last.saturating_add(1))
            .map(|(start, end)| (*start, *end))
            .collect();
        // The range's ids not yet given, in ascending order; `next` is the lowest id of the
        // range not yet looked at (`None` past `i64::MAX`).
        let mut next = Some(first);
        let (mut merged_first, mut merged_last) = (first, last);
        for (start, end) in touching {
            given.remove(&start);
            merged_first = merged_first.min(start);
            merged_last = merged_last.max(end);
            if let Some(from) = next.filter(|from| *from < start && *from <= last) {
                push_ids(&mut ids, from, (start - 1).min(last))?;
            }
            if next.is_some_and(|from| from <= end) {
                next = end.checked_add(1);
            }
        }
        if let Some(from) = next.filter(|from| *from <= last) {
            push_ids(&mut ids, from, last)?;
        }
        given.insert(merged_first, merged_last);
    }
    if ids.is_empty() {
        return Err(IdError::NoIds);
    }
    Ok(ids)
}

/// The ids of `ids` as the fewest ascending ranges, each at most [`MAX_RANGE`] ids wide, so
/// that every range's text ([`IdRange`]'s `Display`) reads back through [`parse_range`] and a
/// list of them through [`parse_list`]. Ids are sorted and each kept once; ids below 1 are not
/// file ids and no range holds them.
///
/// ```
/// use di_ids::{MAX_RANGE, compact};
///
/// let ranges = compact([9, 7, 12, 8, 7]);
/// let texts: Vec<String> = ranges.iter().map(ToString::to_string).collect();
/// assert_eq!(texts, ["7-9", "12"]);
/// // A run longer than a range may be is split.
/// assert_eq!(compact(1..=MAX_RANGE + 1).len(), 2);
/// ```
pub fn compact(ids: impl IntoIterator<Item = i64>) -> Vec<IdRange> {
    let mut ids: Vec<i64> = ids.into_iter().filter(|id| *id >= 1).collect();
    ids.sort_unstable();
    ids.dedup();
    let mut ranges: Vec<IdRange> = Vec::new();
    for id in ids {
        match ranges.last_mut() {
            // `last - first + 1 < MAX_RANGE`: one more id keeps the range within the cap.
            Some(range) if id - 1 == range.last && range.last - range.first + 1 < MAX_RANGE => {
                range.last = id;
            }
            _ => ranges.push(IdRange {
                first: id,
                last: id,
            }),
        }
    }
    ranges
}

/// Appends `first..=last` to `ids`, unless that would make more than [`MAX_IDS`].
fn push_ids(ids: &mut Vec<i64>, first: i64, last: i64) -> Result<(), IdError> {
    let count = usize::try_from(last - first + 1).unwrap_or(usize::MAX);
    if count > MAX_IDS - ids.len() {
        return Err(IdError::TooMany);
    }
    ids.extend(first..=last);
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use proptest::prelude::*;

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
            parse_range(" 0100-140\t").unwrap(),
            IdRange {
                first: 100,
                last: 140
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
            let error = parse_range(bad).unwrap_err().to_string();
            assert!(error.starts_with(&format!("{bad:?}: ")), "{bad}: {error}");
        }
        assert!(matches!(
            parse_range("99999999999999999999"),
            Err(IdError::TooLarge { .. })
        ));
        assert!(matches!(
            parse_range("0-5"),
            Err(IdError::NotPositive { .. })
        ));
        assert!(matches!(parse_range("7-5"), Err(IdError::Downward { .. })));
        assert!(matches!(
            parse_range("1-100001"),
            Err(IdError::TooWide { .. })
        ));
        assert_eq!(parse_range("1-100000").unwrap().ids().count(), 100_000);
        let top = parse_range("9223372036854775807").unwrap();
        assert_eq!(top.last(), i64::MAX);
    }

    #[test]
    fn reads_lists_with_comments_and_names_bad_lines() {
        let ranges =
            parse_list("# tasks\n100\n\n  101-103  # the batch\r\n100\n", "ids.txt").unwrap();
        assert_eq!(expand(&ranges).unwrap(), vec![100, 101, 102, 103]);
        let error = parse_list("1\n2\n7-y\n", "ids.txt").unwrap_err();
        let text = error.to_string();
        assert!(text.starts_with("ids.txt:3: \"7-y\": expected"), "{text}");
        assert!(matches!(
            error,
            IdError::InList { line: 3, ref error, .. } if matches!(**error, IdError::Malformed { .. })
        ));
        let several = parse_list("1 2\n", "f").unwrap_err();
        assert_eq!(
            several.to_string(),
            "f:1: \"1 2\": one id or range per line"
        );
        assert_eq!(parse_list("# none\n", "f").unwrap(), []);
        assert_eq!(expand(&[]), Err(IdError::NoIds));
    }

    #[test]
    fn expanding_caps_the_distinct_ids() {
        let range = |first: i64| parse_range(&format!("{first}-{}", first + MAX_RANGE - 1));
        let ten: Vec<IdRange> = (0..10).map(|i| range(1 + i * MAX_RANGE).unwrap()).collect();
        assert_eq!(expand(&ten).unwrap().len(), MAX_IDS);
        // Repeats do not count.
        let repeated = [&ten[..], &ten[..]].concat();
        assert_eq!(expand(&repeated).unwrap().len(), MAX_IDS);
        let one_more = [&ten[..], &[parse_range("1000001").unwrap()]].concat();
        assert_eq!(expand(&one_more), Err(IdError::TooMany));
        let at_the_top = parse_range("9223372036854775800-9223372036854775807").unwrap();
        assert_eq!(
            expand(&[at_the_top, at_the_top]).unwrap(),
            (i64::MAX - 7..=i64::MAX).collect::<Vec<_>>()
        );
    }

    #[test]
    fn compacting_splits_runs_at_the_widest_range() {
        let ranges = compact((1..=2 * MAX_RANGE + 5).rev());
        let texts: Vec<String> = ranges.iter().map(ToString::to_string).collect();
        assert_eq!(texts, ["1-100000", "100001-200000", "200001-200005"]);
        for text in &texts {
            assert_eq!(parse_range(text).unwrap().to_string(), *text);
        }
        assert_eq!(compact([0, -4]), []);
        assert_eq!(compact([i64::MAX, i64::MAX - 1]).len(), 1);
    }

    /// The documented order, computed the plain way.
    fn naive(ranges: &[IdRange]) -> Vec<i64> {
        let mut seen = HashSet::new();
        ranges
            .iter()
            .flat_map(|range| range.ids())
            .filter(|id| seen.insert(*id))
            .collect()
    }

    proptest! {
        #[test]
        fn expanding_keeps_each_id_once_where_it_first_appears(
            bounds in proptest::collection::vec((1_i64..300, 0_i64..40), 0..12)
        ) {
            let ranges: Vec<IdRange> = bounds
                .iter()
                .map(|(first, len)| IdRange { first: *first, last: first + len })
                .collect();
            let expected = naive(&ranges);
            match expand(&ranges) {
                Ok(ids) => prop_assert_eq!(ids, expected),
                Err(error) => {
                    prop_assert!(expected.is_empty());
                    prop_assert_eq!(error, IdError::NoIds);
                }
            }
        }

        #[test]
        fn compacted_ranges_read_back_as_the_same_ids(
            ids in proptest::collection::vec(-3_i64..400, 0..80)
        ) {
            let ranges = compact(ids.iter().copied());
            let text: String = ranges.iter().map(|range| format!("{range}\n")).collect();
            let mut expected: Vec<i64> = ids.iter().copied().filter(|id| *id >= 1).collect();
            expected.sort_unstable();
            expected.dedup();
            prop_assert_eq!(parse_list(&text, "left").unwrap(), ranges.clone());
            prop_assert_eq!(ranges.iter().flat_map(|range| range.ids()).collect::<Vec<_>>(), expected);
            // The fewest ranges: no two touch.
            for pair in ranges.windows(2) {
                prop_assert!(pair[1].first > pair[0].last + 1);
            }
        }

        #[test]
        fn a_parsed_range_reads_back_from_its_text(first in 1_i64.., len in 0..MAX_RANGE) {
            let last = first.saturating_add(len);
            let range = parse_range(&format!("{first}-{last}")).unwrap();
            prop_assert_eq!((range.first(), range.last()), (first, last));
            prop_assert_eq!(parse_range(&range.to_string()), Ok(range));
        }
    }
}

//! The `cli_ranges` target: any text through the `di` command's file-id parsing
//! ([`di_ids`]): each line and the whole text as a range, the text as an id list, and the
//! list's ranges expanded.

use std::collections::HashSet;

use arbitrary::{Result, Unstructured};
use di_ids::{IdError, IdRange, MAX_IDS, MAX_RANGE, expand, parse_list, parse_range};

use crate::generate;

/// The list's name in errors.
const SOURCE: &str = "ids.txt";

/// Up to this many ids over all ranges (repeats included), the expansion is compared with
/// the plain one (a set of ids seen, in the ranges' order).
const COMPARED_IDS: u64 = 20_000;

/// Runs one input: its text (UTF-8, invalid bytes replaced, as a file would be refused
/// otherwise) as a token, each line as a token, the text as a list and the list's ranges
/// expanded. Bytes that are not UTF-8 also draw a list through `arbitrary::Unstructured`
/// (ids and ranges near every bound, leading zeros, signs, other digits, comments, blank
/// lines, CRLF, two tokens on a line).
///
/// Properties: [`parse_range`] accepts exactly what a plain reading of the format accepts
/// (ASCII digits, one `-`, positive ids up to `i64::MAX`, upwards, at most [`MAX_RANGE`]
/// ids), with the same ends, and refuses the rest with the error of the first rule broken,
/// quoting the token; a range's text reads back as the same range; a list gives one range
/// per line that is not blank or a comment (each as [`parse_range`] reads the line), or
/// names the first line that does not parse; [`expand`] gives each id of the ranges once,
/// where it first appears, never more than [`MAX_IDS`], else [`IdError::TooMany`] or
/// [`IdError::NoIds`].
pub fn cli_ranges(data: &[u8]) {
    check_text(&String::from_utf8_lossy(data));
    if std::str::from_utf8(data).is_err()
        && let Ok(text) = drawn_list(&mut Unstructured::new(data))
    {
        check_text(&text);
    }
}

fn check_text(text: &str) {
    check_range(text);
    for line in text.lines() {
        check_range(line);
    }
    check_list(text);
}

/// Which rule a token breaks first, or the range it reads as: the format, read plainly.
#[derive(Debug, PartialEq, Eq)]
enum Reading {
    Range(i64, i64),
    Malformed,
    NotPositive,
    TooLarge,
    Downward,
    TooWide,
}

/// The format read with wide integers: digits only (leading zeros allowed), at most one `-`
/// between two runs of digits, surrounding whitespace ignored.
fn read(token: &str) -> Reading {
    let token = token.trim();
    let (first, last) = token.split_once('-').unwrap_or((token, token));
    let id = |text: &str| -> std::result::Result<i64, Reading> {
        if text.is_empty() || !text.bytes().all(|byte| byte.is_ascii_digit()) {
            return Err(Reading::Malformed);
        }
        let digits = text.trim_start_matches('0');
        // More than 19 significant digits is above i64::MAX (9223372036854775807, 19 digits).
        if digits.len() > 19 {
            return Err(Reading::TooLarge);
        }
        let value = digits
            .bytes()
            .fold(0_u128, |value, digit| value * 10 + u128::from(digit - b'0'));
        if value == 0 {
            Err(Reading::NotPositive)
        } else {
            i64::try_from(value).map_err(|_| Reading::TooLarge)
        }
    };
    let first = match id(first) {
        Ok(first) => first,
        Err(reading) => return reading,
    };
    let last = match id(last) {
        Ok(last) => last,
        Err(reading) => return reading,
    };
    if last < first {
        Reading::Downward
    } else if i128::from(last) - i128::from(first) + 1 > i128::from(MAX_RANGE) {
        Reading::TooWide
    } else {
        Reading::Range(first, last)
    }
}

fn check_range(token: &str) {
    let expected = read(token);
    match parse_range(token) {
        Ok(range) => {
            let (first, last) = (range.first(), range.last());
            assert_eq!(
                expected,
                Reading::Range(first, last),
                "{token:?} read as {range:?}"
            );
            assert!(1 <= first && first <= last, "{token:?}: {range:?}");
            assert!(last - first < MAX_RANGE, "{token:?}: {range:?}");
            let text = range.to_string();
            assert_eq!(parse_range(&text), Ok(range), "{token:?}: {text:?}");
        }
        Err(error) => {
            let (reading, quoted) = match &error {
                IdError::Malformed { token } => (Reading::Malformed, token),
                IdError::NotPositive { token } => (Reading::NotPositive, token),
                IdError::TooLarge { token } => (Reading::TooLarge, token),
                IdError::Downward { token } => (Reading::Downward, token),
                IdError::TooWide { token } => (Reading::TooWide, token),
                other => panic!("{token:?}: a range gave {other:?}"),
            };
            assert_eq!(reading, expected, "{token:?}: {error:?}");
            assert_eq!(quoted, token, "{error:?}");
            let shown = error.to_string();
            assert!(
                shown.starts_with(&format!("{token:?}: ")),
                "{token:?}: {shown}"
            );
        }
    }
}

/// A list line's content: before any `#`, whitespace around removed.
fn content(line: &str) -> &str {
    line.split_once('#')
        .map_or(line, |(before, _)| before)
        .trim()
}

fn check_list(text: &str) {
    match parse_list(text, SOURCE) {
        Ok(ranges) => {
            let contents: Vec<&str> = text
                .lines()
                .map(content)
                .filter(|content| !content.is_empty())
                .collect();
            assert_eq!(ranges.len(), contents.len(), "{text:?}: {ranges:?}");
            for (range, content) in ranges.iter().zip(&contents) {
                assert_eq!(parse_range(content).as_ref(), Ok(range), "{content:?}");
            }
            check_expand(&ranges);
        }
        Err(IdError::InList {
            source_name,
            line,
            error,
        }) => {
            assert_eq!(source_name, SOURCE);
            let lines: Vec<&str> = text.lines().collect();
            assert!(
                (1..=lines.len()).contains(&line),
                "line {line} of {}: {error:?}",
                lines.len()
            );
            let bad = content(lines[line - 1]);
            match *error {
                IdError::SeveralPerLine { content } => {
                    assert_eq!(content, bad);
                    assert!(content.split_whitespace().nth(1).is_some(), "{content:?}");
                }
                error => {
                    assert_eq!(bad.split_whitespace().count(), 1, "{bad:?}: {error:?}");
                    assert_eq!(parse_range(bad), Err(error), "{bad:?}");
                }
            }
            // The lines before the first bad one parse.
            let before = lines[..line - 1].join("\n");
            assert!(parse_list(&before, SOURCE).is_ok(), "{before:?}");
        }
        Err(other) => panic!("{text:?}: a list gave {other:?}"),
    }
}

/// The ids the ranges hold, counted once: the ranges sorted and merged.
fn distinct_ids(ranges: &[IdRange]) -> u64 {
    let mut sorted: Vec<(i64, i64)> = ranges
        .iter()
        .map(|range| (range.first(), range.last()))
        .collect();
    sorted.sort_unstable();
    let mut count = 0_u64;
    let mut covered_to: Option<i64> = None;
    for (first, last) in sorted {
        let from = covered_to.map_or(first, |to| first.max(to.saturating_add(1)));
        if covered_to.is_none_or(|to| to < last) {
            count += (last - from + 1) as u64;
            covered_to = Some(last);
        }
    }
    count
}

fn check_expand(ranges: &[IdRange]) {
    let distinct = distinct_ids(ranges);
    let total: u64 = ranges
        .iter()
        .map(|range| (range.last() - range.first() + 1) as u64)
        .sum();
    match expand(ranges) {
        Ok(ids) => {
            assert!(!ids.is_empty() && ids.len() <= MAX_IDS, "{} ids", ids.len());
            assert_eq!(ids.len() as u64, distinct, "{ranges:?}");
            assert_eq!(
                ids.first().copied(),
                ranges.first().map(|range| range.first())
            );
            if total <= COMPARED_IDS {
                let mut seen = HashSet::new();
                let plain: Vec<i64> = ranges
                    .iter()
                    .flat_map(|range| range.ids())
                    .filter(|id| seen.insert(*id))
                    .collect();
                assert_eq!(ids, plain, "{ranges:?}");
            }
        }
        Err(IdError::TooMany) => {
            assert!(distinct > MAX_IDS as u64, "{distinct} ids: {ranges:?}")
        }
        Err(IdError::NoIds) => assert!(ranges.is_empty(), "{ranges:?}"),
        Err(other) => panic!("{ranges:?}: expand gave {other:?}"),
    }
}

/// Ids near every bound, in the forms a list may hold them.
const IDS: &[&str] = &[
    "1",
    "2",
    "100",
    "140",
    "99999",
    "100000",
    "100001",
    "0",
    "00",
    "007",
    "9223372036854775806",
    "9223372036854775807",
    "9223372036854775808",
    "18446744073709551616",
    "000000000000000000000000009223372036854775807",
    "99999999999999999999999999999999",
    "+5",
    "-5",
    "5.0",
    "1e3",
    "０",
    "١٢",
    "",
];

/// A drawn id: small, near a bound, or one of [`IDS`].
fn id(u: &mut Unstructured<'_>) -> Result<String> {
    Ok(match u.int_in_range(0..=3)? {
        0 => u.int_in_range(1..=300_u32)?.to_string(),
        1 => (*u.choose(IDS)?).to_owned(),
        2 => u.arbitrary::<u64>()?.to_string(),
        _ => u.int_in_range(i64::MAX - 3..=i64::MAX)?.to_string(),
    })
}

/// A drawn token: an id, or a range whose width is near [`MAX_RANGE`] or small, or junk.
fn token(u: &mut Unstructured<'_>) -> Result<String> {
    Ok(match u.int_in_range(0..=7)? {
        0 | 1 => id(u)?,
        2 | 3 => {
            let first = u.int_in_range(1..=1_000_000_i64)?;
            let width = *u.choose(&[-1, 0, 1, 2, 40, MAX_RANGE - 1, MAX_RANGE, MAX_RANGE + 1])?;
            format!("{first}-{}", first + width)
        }
        4 => {
            let first = u.int_in_range(i64::MAX - MAX_RANGE - 2..=i64::MAX)?;
            let last = first.saturating_add(u.int_in_range(0..=MAX_RANGE + 2)?);
            format!("{first}-{last}")
        }
        5 => format!(
            "{}{}{}",
            id(u)?,
            u.choose(&["-", "--", " - ", "–", "-", ".."])?,
            id(u)?
        ),
        6 => format!("{}-{}-{}", id(u)?, id(u)?, id(u)?),
        _ => generate::text(u)?,
    })
}

/// An id list: lines of tokens with whitespace around, comments, blank lines, two tokens on
/// a line, any line ends.
fn drawn_list(u: &mut Unstructured<'_>) -> Result<String> {
    let mut out = String::new();
    let newline = *u.choose(&["\n", "\n", "\r\n"])?;
    for _ in 0..u.int_in_range(0..=16)? {
        match u.int_in_range(0..=15)? {
            0 => out.push_str(u.choose(&["# a comment", "#", "  # indented", "#1-5"])?),
            1 => out.push_str(u.choose(&["", "  ", "\t", "\u{a0}", "\u{3000}"])?),
            2 => {
                out.push_str(&token(u)?);
                out.push_str(u.choose(&[" ", "\t", ","])?);
                out.push_str(&token(u)?);
            }
            _ => {
                if u.ratio(1, 4)? {
                    out.push_str(u.choose(&[" ", "\t", "  ", "\u{a0}", "\u{feff}"])?);
                }
                out.push_str(&token(u)?);
                if u.ratio(1, 4)? {
                    out.push_str(u.choose(&[" ", "\t", " # why", "# x", "\r"])?);
                }
            }
        }
        out.push_str(if u.ratio(1, 16)? {
            u.choose(&["\r\n", "\n", "\r", "\n\n"])?
        } else {
            newline
        });
    }
    Ok(out)
}

/// Seed lists: ids and ranges at and around every bound, with comments, blank lines, CRLF,
/// and lines that do not parse.
pub(crate) const SEEDS: &[(&str, &str)] = &[
    ("one_id.txt", "100\n"),
    ("one_range.txt", "100-140\n"),
    (
        "list_with_comments.txt",
        "# tasks\n100\n\n  101-103  # the batch\n100\n",
    ),
    ("crlf.txt", "# exported\r\n1\r\n2-5\r\n\r\n7\r\n"),
    ("widest_range.txt", "1-100000\n"),
    ("too_wide.txt", "1-100001\n"),
    (
        "top_of_i64.txt",
        "9223372036854775807\n9223372036854775708-9223372036854775807\n",
    ),
    ("above_i64.txt", "9223372036854775808\n"),
    ("leading_zeros.txt", "0007-0000000000000000000000000009\n"),
    ("zero.txt", "0\n"),
    ("downward.txt", "1-0\n"),
    ("not_an_id.txt", "1\n2\n7-y\n"),
    ("two_per_line.txt", "1 2\n"),
    ("only_comments.txt", "# none\n#\n   \n"),
    ("signs.txt", "+5\n-5\n5-\n-\n1-2-3\n"),
    ("unicode_digits.txt", "١٢\n０\n"),
    ("tabs.txt", "\t42\t\n\t43-44 \t# tab\n"),
    (
        "overlapping.txt",
        "10-20\n15-25\n5-12\n1-30\n30\n31-40\n26-29\n",
    ),
    (
        "many_wide.txt",
        "1-100000\n100001-200000\n200001-300000\n300001-400000\n400001-500000\n\
         500001-600000\n600001-700000\n700001-800000\n800001-900000\n900001-1000000\n\
         1000001\n1-100000\n",
    ),
    ("no_trailing_newline.txt", "5-9"),
    ("empty.txt", ""),
];

//! `Timestamp::parse_http_date` against the `httpdate` crate, which di-proto used before it
//! parsed `Date` headers itself: the same instants for every form, the same refusals.

use std::time::{Duration, UNIX_EPOCH};

use di_proto::Timestamp;
use proptest::prelude::*;

/// The three forms of one instant, as `httpdate` and RFC 9110 write them.
fn forms(unix_seconds: u64) -> [String; 3] {
    let imf = httpdate::fmt_http_date(UNIX_EPOCH + Duration::from_secs(unix_seconds));
    // `Sun, 06 Nov 1994 08:49:37 GMT`
    let (weekday, day, month, year, time) = (
        &imf[..3],
        &imf[5..7],
        &imf[8..11],
        &imf[12..16],
        &imf[17..25],
    );
    let long_weekday = match weekday {
        "Mon" => "Monday",
        "Tue" => "Tuesday",
        "Wed" => "Wednesday",
        "Thu" => "Thursday",
        "Fri" => "Friday",
        "Sat" => "Saturday",
        _ => "Sunday",
    };
    let rfc850 = format!("{long_weekday}, {day}-{month}-{} {time} GMT", &year[2..]);
    let padded_day = format!("{:>2}", day.trim_start_matches('0'));
    let asctime = format!("{weekday} {month} {padded_day} {time} {year}");
    [imf, rfc850, asctime]
}

fn ours(input: &str) -> Option<i64> {
    Timestamp::parse_http_date(input)
        .ok()
        .map(Timestamp::unix_seconds)
}

fn theirs(input: &str) -> Option<i64> {
    httpdate::parse_http_date(input)
        .ok()
        .and_then(|time| time.duration_since(UNIX_EPOCH).ok())
        .map(|since| since.as_secs() as i64)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn agrees_with_httpdate_on_every_form(unix_seconds in 0_u64..253_402_300_800) {
        for form in forms(unix_seconds) {
            prop_assert_eq!(ours(&form), theirs(&form), "{}", form);
        }
        // The canonical form always parses to the instant it came from.
        prop_assert_eq!(ours(&forms(unix_seconds)[0]), Some(unix_seconds as i64));
    }

    #[test]
    fn agrees_with_httpdate_on_damaged_dates(
        unix_seconds in 0_u64..253_402_300_800,
        form in 0_usize..3,
        at in any::<prop::sample::Index>(),
        byte in prop::sample::select(b" ,:-0123456789ADFGJMNOSTWadehinortuy\t".to_vec()),
    ) {
        let original = forms(unix_seconds)[form].clone();
        let mut bytes = original.clone().into_bytes();
        let at = at.index(bytes.len());
        bytes[at] = byte;
        let damaged = String::from_utf8(bytes).unwrap();
        // One known difference: `httpdate` does not check the space between date and time of
        // an RFC 850 date (`06-Nov-94,08:49:37` passes); di-proto refuses it.
        let rfc850_time_separator = form == 1 && at == original.find(", ").unwrap() + 2 + 9;
        if rfc850_time_separator && byte != b' ' {
            prop_assert_eq!(ours(&damaged), None, "{}", damaged);
        } else {
            prop_assert_eq!(ours(&damaged), theirs(&damaged), "{}", damaged);
        }
    }
}

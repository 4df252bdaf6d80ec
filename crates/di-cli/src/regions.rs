//! What `di` says about a region it does not know (`--region`, `ALIBABA_CLOUD_REGION_ID`, or a
//! profile's `region_id`): the known regions (di-proto's [`di_proto::is_known_region`] lists)
//! and the closest one to a typo, so that a misspelt region is a configuration error at once
//! instead of a host name that does not resolve, retried as if the network had failed. A
//! region missing from the lists is reached with
//! `--endpoint https://dataworks.REGION.aliyuncs.com`.

use di_proto::{CENTRAL_REGIONS, REGIONAL_REGIONS as REGIONAL};

/// Every known region, comma-separated, in lines of at most about 90 characters after the
/// first, each indented by `indent`, for messages.
pub(crate) fn known_list(indent: &str) -> String {
    let mut text = String::new();
    let mut line = 0;
    for (index, region) in REGIONAL.iter().chain(CENTRAL_REGIONS.iter()).enumerate() {
        if index > 0 {
            text.push(',');
            line += 1;
            if line + region.len() > 72 {
                text.push('\n');
                text.push_str(indent);
                line = 0;
            } else {
                text.push(' ');
                line += 1;
            }
        }
        text.push_str(region);
        line += region.len();
    }
    text
}

/// The known region closest to `region` (a typo's likely intent), when one is close enough:
/// at most a third of its characters apart.
pub(crate) fn closest(region: &str) -> Option<&'static str> {
    let wanted = region.to_ascii_lowercase();
    REGIONAL
        .iter()
        .chain(CENTRAL_REGIONS.iter())
        .map(|known| (edit_distance(&wanted, known), *known))
        .min()
        .filter(|(distance, known)| *distance <= known.len().max(3) / 3)
        .map(|(_, known)| known)
}

/// The Levenshtein distance between `a` and `b`, by characters.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    let mut current = vec![0; b.len() + 1];
    for (i, ca) in a.chars().enumerate() {
        current[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substitute = previous[j] + usize::from(ca != *cb);
            current[j + 1] = substitute.min(previous[j + 1] + 1).min(current[j] + 1);
        }
        std::mem::swap(&mut previous, &mut current);
    }
    previous[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn knows_the_regions_and_suggests_the_closest() {
        assert!(!di_proto::is_known_region("cn-nowhere-9"));
        assert!(!di_proto::is_known_region("CN-SHANGHAI"));
        assert_eq!(closest("cn-shangai"), Some("cn-shanghai"));
        assert_eq!(closest("CN-SHANGHAI"), Some("cn-shanghai"));
        assert_eq!(closest("ap-southeast1"), Some("ap-southeast-1"));
        assert_eq!(closest("cn-nowhere-9"), None);
        assert_eq!(closest(""), None);
        let list = known_list("    ");
        assert!(list.starts_with("cn-hangzhou, cn-shanghai"), "{list}");
        assert!(list.lines().all(|line| line.len() <= 80), "{list}");
        assert_eq!(
            list.split(',').count(),
            REGIONAL.len() + CENTRAL_REGIONS.len()
        );
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("", "abc"), 3);
        // The list and the central regions do not overlap.
        assert!(
            REGIONAL
                .iter()
                .all(|region| !CENTRAL_REGIONS.contains(region))
        );
    }
}

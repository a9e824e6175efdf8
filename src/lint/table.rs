//! Celery's settings: new and old names, the key under Django's `namespace="CELERY"`, the
//! default and the first version that has each, from data/celery-settings.tsv (made from
//! celery/app/defaults.py), embedded in the binary.

use std::sync::OnceLock;

/// The table as shipped; tests check that every row parses.
pub const TSV: &str = include_str!("../../data/celery-settings.tsv");

/// One Celery setting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Setting {
    /// The lowercase name (Celery >= 4): `task_acks_late`.
    pub new: String,
    /// The old uppercase name: `CELERY_ACKS_LATE`.
    pub old: String,
    /// The name in Django settings under `namespace="CELERY"`: `CELERY_TASK_ACKS_LATE`.
    pub django: String,
    /// The default, as Python source: `False`, `('json',)`, `datetime.timedelta(days=1)`.
    pub default: String,
    /// `bool`, `int`, `float`, `string`, `dict`, ...
    pub kind: String,
    /// The first Celery version that has it: `v4.0.0`, `v5.5.0`, or `main` (unreleased).
    pub since: String,
}

impl Setting {
    /// Its name under a namespace (`CELERY` gives `CELERY_TASK_ACKS_LATE`).
    pub fn namespaced(&self, ns: &str) -> String {
        format!("{ns}_{}", self.new.to_ascii_uppercase())
    }

    /// ` (Celery >= 5.5)` for settings newer than 4.0, else empty: said beside a name
    /// that older workers ignore.
    pub fn since_note(&self) -> String {
        match self.since.as_str() {
            "v4.0.0" | "" => String::new(),
            "main" => " (not in a released Celery yet)".into(),
            v => {
                let v = v.trim_start_matches('v');
                let short = v.strip_suffix(".0").unwrap_or(v);
                format!(" (Celery >= {short})")
            }
        }
    }
}

/// A malformed row of the table, by line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadRow(pub usize, pub String);

/// Parse the TSV: a header, then 7 tab-separated columns per row.
pub fn parse(text: &str) -> Result<Vec<Setting>, BadRow> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate().skip(1) {
        if line.trim().is_empty() {
            continue;
        }
        let cols: Vec<&str> = line.split('\t').collect();
        if cols.len() != 7 || cols[..3].iter().any(|c| c.is_empty()) {
            return Err(BadRow(i + 1, line.to_string()));
        }
        out.push(Setting {
            new: cols[0].to_string(),
            old: cols[1].to_string(),
            django: cols[2].to_string(),
            default: cols[3].to_string(),
            kind: cols[4].to_string(),
            since: cols[5].to_string(),
        });
    }
    Ok(out)
}

/// Every setting, parsed once.
pub fn all() -> &'static [Setting] {
    static ALL: OnceLock<Vec<Setting>> = OnceLock::new();
    ALL.get_or_init(|| parse(TSV).expect("data/celery-settings.tsv parses (unit-tested)"))
}

pub fn by_new(name: &str) -> Option<&'static Setting> {
    all().iter().find(|s| s.new == name)
}

pub fn by_old(name: &str) -> Option<&'static Setting> {
    all().iter().find(|s| s.old == name)
}

/// The names closest to `name` among `candidates`, best first: those a typo could have made
/// (normalised Damerau-Levenshtein similarity >= 0.8, or the same words in another order).
pub fn did_you_mean<'a>(name: &str, candidates: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    let lower = name.to_ascii_lowercase();
    let words = |s: &str| {
        let mut w: Vec<String> = s
            .to_ascii_lowercase()
            .split('_')
            .map(str::to_string)
            .collect();
        w.sort();
        w
    };
    let mine = words(name);
    candidates
        .map(|c| {
            let score = strsim::normalized_damerau_levenshtein(&lower, &c.to_ascii_lowercase());
            let same_words = words(c) == mine;
            (if same_words { 1.0 } else { score }, c)
        })
        .filter(|(score, _)| *score >= 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_table_parses_and_knows_the_settings_lint_reads() {
        let all = parse(TSV).unwrap();
        assert!(all.len() > 190, "{}", all.len());
        let acks = by_new("task_acks_late").unwrap();
        assert_eq!(
            (
                acks.old.as_str(),
                acks.django.as_str(),
                acks.default.as_str()
            ),
            ("CELERY_ACKS_LATE", "CELERY_TASK_ACKS_LATE", "False")
        );
        assert_eq!(acks.namespaced("CELERY"), acks.django);
        // Every setting the rules read, and the broker URL, is in the table.
        for key in super::super::rules::RULE_KEYS.iter().chain(&["broker_url"]) {
            assert!(by_new(key).is_some(), "{key}");
        }
        assert_eq!(
            by_old("CELERYD_PREFETCH_MULTIPLIER").unwrap().new,
            "worker_prefetch_multiplier"
        );
        assert_eq!(
            by_new("worker_soft_shutdown_timeout").unwrap().since_note(),
            " (Celery >= 5.5)"
        );
        // Every namespaced key is the namespace and the new name in capitals.
        for s in &all {
            assert_eq!(s.django, s.namespaced("CELERY"), "{}", s.new);
        }
    }

    #[test]
    fn a_bad_row_is_named() {
        assert_eq!(parse("header\na\tb\n"), Err(BadRow(2, "a\tb".into())));
    }

    #[test]
    fn did_you_mean_finds_typos_and_reordered_words() {
        let names = || all().iter().map(|s| s.new.as_str());
        assert_eq!(
            did_you_mean("task_ack_late", names()),
            Some("task_acks_late")
        );
        assert_eq!(
            did_you_mean("worker_prefetch_multiplyer", names()),
            Some("worker_prefetch_multiplier")
        );
        assert_eq!(
            did_you_mean("late_acks_task", names()),
            Some("task_acks_late")
        );
        assert_eq!(did_you_mean("BASE_DIR", names()), None);
    }
}

//! Choosing the cases of a run: `--filter` on the case id and `--shard K/N` for CI matrices.

use std::fmt;

use dictwalk_corpus::Case;

/// `--filter PATTERN`: a substring of the case id, or, when the pattern holds a `*`, a glob over
/// the whole id in which `*` stands for any run of characters (dots included).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Filter {
    pattern: String,
}

impl Filter {
    /// For clap's `value_parser`.
    pub fn parse(text: &str) -> Result<Filter, String> {
        if text.is_empty() {
            return Err(
                "the filter is empty; give part of a case id, or a glob such as \
                        'read.*.nested'"
                    .into(),
            );
        }
        Ok(Filter {
            pattern: text.to_owned(),
        })
    }

    pub fn matches(&self, id: &str) -> bool {
        if self.pattern.contains('*') {
            glob_matches(&self.pattern, id)
        } else {
            id.contains(&self.pattern)
        }
    }
}

impl fmt::Display for Filter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.pattern)
    }
}

/// Whether `text` matches `pattern` whole, where `*` matches any run of characters: the usual
/// greedy scan that backtracks only to the last `*`, so it is linear in practice.
fn glob_matches(pattern: &str, text: &str) -> bool {
    let pattern: Vec<char> = pattern.chars().collect();
    let text: Vec<char> = text.chars().collect();
    let (mut p, mut t) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        if p < pattern.len() && pattern[p] == '*' {
            star = Some((p, t));
            p += 1;
        } else if p < pattern.len() && pattern[p] == text[t] {
            p += 1;
            t += 1;
        } else if let Some((star_p, star_t)) = star {
            p = star_p + 1;
            t = star_t + 1;
            star = Some((star_p, star_t + 1));
        } else {
            return false;
        }
    }
    pattern[p..].iter().all(|&c| c == '*')
}

/// `--shard K/N`: the K-th of N disjoint parts of the corpus (1-based), by case position in the
/// whole corpus modulo N, so a case stays in its shard whatever `--filter` says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    index: usize,
    count: usize,
}

impl Shard {
    /// For clap's `value_parser`.
    pub fn parse(text: &str) -> Result<Shard, String> {
        let bad =
            || format!("invalid shard '{text}': expected K/N with 1 <= K <= N, such as 1/4 or 4/4");
        let (index, count) = text.split_once('/').ok_or_else(bad)?;
        let index: usize = index.trim().parse().map_err(|_| bad())?;
        let count: usize = count.trim().parse().map_err(|_| bad())?;
        if count == 0 || index == 0 || index > count {
            return Err(bad());
        }
        Ok(Shard { index, count })
    }

    /// Whether the case at `position` in the whole corpus belongs to this shard.
    pub fn contains(self, position: usize) -> bool {
        position % self.count == self.index - 1
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

/// The cases of the run, in corpus order.
pub fn select<'a>(
    cases: &'a [Case],
    filter: Option<&Filter>,
    shard: Option<Shard>,
) -> Vec<&'a Case> {
    cases
        .iter()
        .enumerate()
        .filter(|(position, case)| {
            shard.is_none_or(|shard| shard.contains(*position))
                && filter.is_none_or(|filter| filter.matches(&case.id))
        })
        .map(|(_, case)| case)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_by_substring_or_glob() -> Result<(), String> {
        let check = |pattern: &str, id: &str, expected: bool| -> Result<(), String> {
            let filter = Filter::parse(pattern)?;
            assert_eq!(filter.matches(id), expected, "{pattern} on {id}");
            Ok(())
        };
        check("nested", "read.get.nested", true)?;
        check("get", "read.get.nested", true)?;
        check("Get", "read.get.nested", false)?;
        check("read.*", "read.get.nested", true)?;
        check("*.nested", "read.get.nested", true)?;
        check("read.*.nested", "read.get.nested", true)?;
        check("read.*.nested", "read.get.nested.more", false)?;
        check("*get*", "read.get.nested", true)?;
        check("get*", "read.get.nested", false)?;
        check("*", "anything", true)?;
        check("a*a*a", "aaaa", true)?;
        check("a*b", "aaaa", false)?;
        check("é*", "éa", true)?;
        assert!(Filter::parse("").is_err());
        Ok(())
    }

    #[test]
    fn shards_must_be_k_of_n() {
        for good in ["1/1", "1/4", "4/4", " 2 / 3 "] {
            assert!(Shard::parse(good).is_ok(), "{good}");
        }
        for bad in [
            "", "1", "0/4", "5/4", "1/0", "a/b", "1/2/3", "-1/4", "1.5/4",
        ] {
            let err = Shard::parse(bad).expect_err(bad);
            assert!(err.contains("expected K/N"), "{err}");
        }
        assert_eq!(Shard::parse("2/4").map(|s| s.to_string()), Ok("2/4".into()));
    }

    #[test]
    fn shards_split_the_corpus_into_disjoint_parts() -> Result<(), String> {
        let shards: Vec<Shard> = (1..=3)
            .map(|k| Shard::parse(&format!("{k}/3")))
            .collect::<Result<_, _>>()?;
        for position in 0..10 {
            let owners = shards.iter().filter(|s| s.contains(position)).count();
            assert_eq!(owners, 1, "case {position} is in exactly one shard");
        }
        assert!(shards[0].contains(0) && shards[0].contains(3) && shards[2].contains(5));
        Ok(())
    }
}

//! Broken syntax: paths and pipelines made not to parse.

use super::Gen;
use crate::parity::fuzz::spec::{Call, Cmp, Lhs, Pipe, Pred, Rhs, Spec, Target, Tok};

impl Gen {
    pub(super) fn break_syntax(&mut self, spec: &mut Spec) {
        let text = spec.path_text();
        let roll = self.rng.u32(0..100);
        let Target::Path(path) = &mut spec.target else {
            // A pipeline for run_filter: an unknown filter or a wrong arity.
            if let Target::Pipe(pipe) = &mut spec.target {
                let call = if self.chance(50) {
                    Call::new("nope", Vec::new())
                } else {
                    Call::new("add", Vec::new())
                };
                pipe.0.push(call);
            }
            return;
        };
        match roll {
            0..=14 => {
                let call = match self.rng.u32(0..4) {
                    0 => Call::new("nope", Vec::new()),
                    1 => Call::new("add", Vec::new()),
                    2 => Call::new("round", vec!["1".into(), "2".into()]),
                    _ => Call::new("1x", Vec::new()),
                };
                match &mut path.transform {
                    Some(pipe) => pipe.0.push(call),
                    None => path.transform = Some(Pipe(vec![call])),
                }
            }
            15..=29 => {
                let raw = self.pick(&["b[?id==1]", "[x]", "a[?]", "a[?.x==$nope]", "a[?.x==]"]);
                let at = self.rng.usize(..=path.tokens.len());
                path.tokens.insert(at, Tok::Raw(raw.to_owned()));
            }
            30..=39 => {
                let at = self.rng.usize(..=path.tokens.len()).max(1);
                path.tokens.insert(at.min(path.tokens.len()), Tok::Root);
                if path.tokens.len() == 1 {
                    path.tokens.insert(0, Tok::Key(self.key()));
                }
            }
            40..=54 => {
                let raw = self.pick(&[
                    "$gt(1)&&",
                    "($even",
                    "!",
                    "$even||",
                    "$even&&!",
                    "$$root&&$odd",
                ]);
                let pred = Pred {
                    lhs: Lhs {
                        tokens: vec![Tok::Key(self.key())],
                        pipe: None,
                    },
                    cmp: Some((Cmp::Eq, Rhs::Raw(raw.to_owned()))),
                };
                path.tokens.push(Tok::Filter(self.key(), Box::new(pred)));
            }
            55..=74 if !text.is_empty() => {
                // Cut the text short: unbalanced brackets, dangling operators.
                let cut = 1 + self.below(text.len());
                let mut end = cut.min(text.len());
                while !text.is_char_boundary(end) {
                    end -= 1;
                }
                spec.target = Target::Text(text[..end].to_owned());
            }
            75..=94 => {
                let mark = self.pick(&[
                    "[", "]", "|", "$", ".", "?", "(", ")", "!", "&&", "==", "'", "[?",
                ]);
                let mut at = self.rng.usize(..=text.len());
                while !text.is_char_boundary(at) {
                    at -= 1;
                }
                let mut broken = text;
                broken.insert_str(at, mark);
                spec.target = Target::Text(broken);
            }
            _ => {
                spec.target =
                    Target::Text(self.pick(&["", ".", "..", "$$root.", "a..b"]).to_owned())
            }
        }
    }
}

//! The two Go pieces Argo's templating is made of: valyala/fasttemplate's tag splitting (with
//! its unterminated-tag error); [`ArgsError::UnterminatedTag`] quotes the text as Go's `strconv.Quote`
//! does.

use super::ArgsError;

const START: &str = "{{";
const END: &str = "}}";

/// A template split into literal text and tags (the raw text between `{{` and `}}`).
pub(crate) enum Piece<'a> {
    Text(&'a str),
    Tag(&'a str),
}

/// fasttemplate's `NewTemplate`: the first `{{` without a later `}}` is an error quoting the
/// whole template and the rest after that `{{`.
pub(crate) fn parse(template: &str) -> Result<Vec<Piece<'_>>, ArgsError> {
    let mut pieces = Vec::new();
    let mut rest = template;
    while let Some((text, after)) = rest.split_once(START) {
        pieces.push(Piece::Text(text));
        let Some((tag, tail)) = after.split_once(END) else {
            return Err(ArgsError::UnterminatedTag {
                template: template.to_string(),
                rest: after.to_string(),
            });
        };
        pieces.push(Piece::Tag(tag));
        rest = tail;
    }
    pieces.push(Piece::Text(rest));
    Ok(pieces)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_tags_like_fasttemplate() {
        let pieces = parse("a{{x}}b{{ y }}").expect("ok");
        let tags: Vec<&str> = pieces
            .iter()
            .filter_map(|p| match p {
                Piece::Tag(t) => Some(*t),
                Piece::Text(_) => None,
            })
            .collect();
        assert_eq!(tags, vec!["x", " y "]);
        // `}}` before `{{` is plain text; `{{{x}}}` has the tag `{x`.
        assert!(parse("}} {{{x}}}").is_ok());
    }
}

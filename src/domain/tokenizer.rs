//! Counting tokens as the models do: OpenAI's BPE encodings from the
//! `tiktoken-rs` crate, which ships their tables (nothing is downloaded at
//! run time). One encoding per deployment (`QUIRE_TOKENIZER`).

use clap::ValueEnum;
use tiktoken_rs::CoreBPE;

/// The encoding tokens are counted with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum Tokenizer {
    /// GPT-4o, GPT-4.1, o1, o3 and later.
    #[default]
    #[value(name = "o200k_base")]
    O200kBase,
    /// GPT-4, GPT-3.5-turbo and the text-embedding-3 models.
    #[value(name = "cl100k_base")]
    Cl100kBase,
}

impl Tokenizer {
    /// The encoding's name (`o200k_base`).
    pub fn name(self) -> &'static str {
        match self {
            Tokenizer::O200kBase => "o200k_base",
            Tokenizer::Cl100kBase => "cl100k_base",
        }
    }

    /// The encoding's tables, loaded once per process.
    fn bpe(self) -> &'static CoreBPE {
        match self {
            Tokenizer::O200kBase => tiktoken_rs::o200k_base_singleton(),
            Tokenizer::Cl100kBase => tiktoken_rs::cl100k_base_singleton(),
        }
    }

    /// How many tokens `text` is (special tokens' text counts as plain text).
    pub fn count(self, text: &str) -> i64 {
        self.bpe().encode_ordinary(text).len() as i64
    }

    /// The end of `text` that is at most `tokens` tokens: whole tokens, cut
    /// back further where a token boundary falls inside a character.
    pub fn tail(self, text: &str, tokens: usize) -> String {
        let encoded = self.bpe().encode_ordinary(text);
        let mut start = encoded.len().saturating_sub(tokens);
        while start < encoded.len() {
            // Decoded text may encode to a few more tokens than its slice.
            if let Ok(tail) = self.bpe().decode(&encoded[start..])
                && self.count(&tail) <= tokens as i64
            {
                return tail;
            }
            start += 1;
        }
        String::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_known_strings_in_both_encodings() {
        // Tokens as OpenAI's tiktoken gives them.
        let ids = |t: Tokenizer, text: &str| t.bpe().encode_ordinary(text);
        assert_eq!(ids(Tokenizer::Cl100kBase, "hello world"), [15339, 1917]);
        assert_eq!(ids(Tokenizer::O200kBase, "hello world"), [24912, 2375]);
        assert_eq!(Tokenizer::O200kBase.count("hello world"), 2);
        assert_eq!(Tokenizer::Cl100kBase.count(""), 0);
        // OpenAI's cookbook: "t", "ik", "token", " is", " great", "!".
        assert_eq!(Tokenizer::Cl100kBase.count("tiktoken is great!"), 6);
        // Special tokens' text is text.
        assert_eq!(Tokenizer::Cl100kBase.count("<|endoftext|>"), 7);
    }

    #[test]
    fn tails_fit_their_count() {
        for t in [Tokenizer::O200kBase, Tokenizer::Cl100kBase] {
            let text = "The quick brown fox jumps over the lazy dog. Über café ☕ done";
            let tail = t.tail(text, 5);
            assert!(text.ends_with(&tail), "{tail:?}");
            assert!(t.count(&tail) <= 5 && !tail.is_empty(), "{tail:?}");
            assert_eq!(t.tail(text, 10_000), text);
            assert_eq!(t.tail(text, 0), "");
        }
    }
}

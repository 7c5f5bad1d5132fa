//! Goal: console lines split into words the way a shell would split them for etcdctl, with
//! each word's column kept so errors can point at it.

use raftlab::kv::console::lexer::{split_items, split_words};

fn texts(line: &str) -> Vec<String> {
    split_words(line)
        .expect("lexes")
        .into_iter()
        .map(|word| word.text)
        .collect()
}

#[test]
fn quotes_escapes_and_joined_pieces() {
    assert_eq!(texts("put k v"), ["put", "k", "v"]);
    assert_eq!(texts("  put   'a b'  \"c d\" "), ["put", "a b", "c d"]);
    assert_eq!(texts(r#"put k "say \"hi\"""#), ["put", "k", "say \"hi\""]);
    assert_eq!(texts(r"put k a\ b"), ["put", "k", "a b"]);
    assert_eq!(texts(r#"mod("k")"#), ["mod(k)"]);
    assert_eq!(texts(r#"put k 'it'"'"'s'"#), ["put", "k", "it's"]);
    assert_eq!(texts(r#"put k "line\nbreak""#), ["put", "k", "line\nbreak"]);
    assert_eq!(texts("put k ''"), ["put", "k", ""]);
    assert_eq!(texts("put ключ значение"), ["put", "ключ", "значение"]);
}

#[test]
fn words_keep_columns_in_characters() {
    let words = split_words("put ключ 'v w'").expect("lexes");
    let columns: Vec<(usize, usize)> = words.iter().map(|word| (word.column, word.width)).collect();
    assert_eq!(columns, [(0, 3), (4, 4), (9, 5)]);
    assert!(words[2].quoted && !words[0].quoted);
}

#[test]
fn unterminated_quotes_point_at_the_quote() {
    let error = split_words("put k 'abc").expect_err("unterminated");
    assert_eq!(error.column, 6);
    let error = split_words("put k \"abc").expect_err("unterminated");
    assert_eq!(error.column, 6);
    assert!(split_words("put k abc\\").is_err());
}

#[test]
fn txn_sections_split_at_unquoted_semicolons() {
    let items = split_items(r#"put a 1; put b "x;y" ; get 'c;d';"#);
    let texts: Vec<&str> = items.iter().map(|(text, _)| text.trim()).collect();
    assert_eq!(texts, ["put a 1", r#"put b "x;y""#, "get 'c;d'"]);
    assert_eq!(items[1].1, 8, "column of the second item");
    assert!(split_items("  ").is_empty());
}

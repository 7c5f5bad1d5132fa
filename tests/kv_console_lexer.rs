//! Goal: console lines split into words the way a POSIX shell would split them for etcdctl
//! (so a key typed here is the key etcdctl would get from `sh`), with each word's column kept
//! so errors can point at it; txn items split the way etcdctl's interactive txn reads them.

use raftlab::kv::console::lexer::{Dialect, split_items, split_words, split_words_as};

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
    assert_eq!(texts("put k ''"), ["put", "k", ""]);
    assert_eq!(texts("put ключ значение"), ["put", "ключ", "значение"]);
}

/// `sh -c 'etcdctl put k "line\nbreak"'` passes the value `line\nbreak` (backslash, n): in
/// double quotes POSIX keeps a backslash unless it precedes `$`, `` ` ``, `"`, `\` or a
/// newline. (This console used to turn `\n` into a newline, which etcdctl never sees.)
#[test]
fn double_quotes_keep_backslashes_like_a_posix_shell() {
    assert_eq!(
        texts(r#"put k "line\nbreak""#),
        ["put", "k", r"line\nbreak"]
    );
    assert_eq!(texts(r#"put k "tab\there""#), ["put", "k", r"tab\there"]);
    assert_eq!(
        texts(r#"put k "\$HOME \`x\` \" \\""#),
        ["put", "k", r#"$HOME `x` " \"#]
    );
    assert_eq!(texts(r#"put k "a\qb""#), ["put", "k", r"a\qb"]);
    assert_eq!(
        texts("put k \"one\\\ntwo\""),
        ["put", "k", "onetwo"],
        "backslash-newline vanishes"
    );
}

/// Single quotes keep everything, backslashes included; outside quotes a backslash takes the
/// next character literally (so `a\nb` is `anb`, as in `sh`).
#[test]
fn single_quotes_are_literal_and_bare_backslashes_escape() {
    assert_eq!(texts(r"put k 'a\nb\'"), ["put", "k", r"a\nb\"]);
    assert_eq!(texts(r"put k a\nb"), ["put", "k", "anb"]);
    assert_eq!(texts(r"put k \'x\'"), ["put", "k", "'x'"]);
}

/// etcdctl's interactive txn unquotes "..." with Go's string syntax, so inside a txn item
/// `"a\nb"` is a newline, and a backslash outside quotes stays.
#[test]
fn txn_items_unquote_like_etcdctl_txn() {
    let item = |line: &str| -> Vec<String> {
        split_words_as(line, Dialect::TxnItem)
            .expect("lexes")
            .into_iter()
            .map(|word| word.text)
            .collect()
    };
    assert_eq!(item(r#"put k "a\nb""#), ["put", "k", "a\nb"]);
    assert_eq!(item(r#"put k "say \"hi\"""#), ["put", "k", "say \"hi\""]);
    assert_eq!(item(r"put k a\nb"), ["put", "k", r"a\nb"]);
    assert_eq!(item(r"put k 'a\nb'"), ["put", "k", r"a\nb"]);
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

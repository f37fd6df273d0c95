use std::sync::Arc;
use std::time::{Duration, Instant};

use super::{Watch, Watched};
use crate::auth::tokens::token_key;
use crate::store::kv::{KeyValueStore, QuickStore};

fn watched(cap: usize) -> (Arc<Watch>, Watched<QuickStore<u32>>) {
    let w = Arc::new(Watch::new(cap));
    (w.clone(), Watched::new(QuickStore::new(100), w))
}

fn later(s: u64) -> Instant {
    Instant::now() + Duration::from_secs(s)
}

#[test]
fn a_change_to_a_kept_token_moves_the_epoch() {
    for change in ["insert", "remove", "zero ttl", "clear"] {
        let (w, s) = watched(8);
        let k = token_key("kept");
        s.insert(k, Arc::new(1), Duration::from_secs(60));
        w.mark(k);
        w.settle(k, later(60));
        let e = w.epoch();
        match change {
            "insert" => s.insert(k, Arc::new(2), Duration::from_secs(60)),
            "remove" => s.remove(&k),
            "zero ttl" => s.insert(k, Arc::new(2), Duration::ZERO),
            _ => s.clear(),
        }
        assert_ne!(w.epoch(), e, "{change}");
        assert_eq!(w.watched(), 0, "{change}: the set starts again");
    }
}

#[test]
fn a_lookup_under_way_is_voided_too() {
    // marked, not settled yet: a change between the mark and the read must move the epoch
    let (w, s) = watched(8);
    let k = token_key("pending");
    w.mark(k);
    let e = w.epoch();
    s.insert(k, Arc::new(1), Duration::from_secs(60));
    assert_ne!(w.epoch(), e);
}

#[test]
fn other_tokens_and_spent_answers_leave_the_epoch() {
    let (w, s) = watched(8);
    let kept = token_key("kept");
    w.mark(kept);
    w.settle(kept, later(60));
    let e = w.epoch();
    // churn of tokens nobody keeps
    for i in 0..50 {
        let k = token_key(&format!("other-{i}"));
        s.insert(k, Arc::new(i), Duration::from_secs(60));
        s.remove(&k);
    }
    assert_eq!(w.epoch(), e);
    // an answer whose deadline has passed: its token's change voids nothing, and is forgotten
    let spent = token_key("spent");
    w.mark(spent);
    w.settle(spent, Instant::now());
    s.insert(spent, Arc::new(1), Duration::from_secs(60));
    assert_eq!(w.epoch(), e);
    assert_eq!(w.watched(), 1, "only the live one is still watched");
    // a lookup that finds nothing lets go of its own mark only: the kept answer stays watched
    w.unmark(&kept);
    assert_eq!(w.watched(), 1);
    let none = token_key("none");
    w.mark(none);
    w.unmark(&none);
    assert_eq!(w.watched(), 1);
    s.remove(&none);
    assert_eq!(w.epoch(), e);
}

#[test]
fn bounded_under_a_flood() {
    let (w, _s) = watched(16);
    let e = w.epoch();
    for i in 0..1000 {
        let k = token_key(&format!("t{i}"));
        w.mark(k);
        w.settle(k, later(60));
        assert!(w.watched() <= 16, "{} watched", w.watched());
    }
    // full of live answers: the epoch moved each time the set started again
    assert!(w.epoch().wrapping_sub(e) >= 1000 / 16 - 1);
    // spent answers make room without moving the epoch
    let (w, _s) = watched(4);
    for i in 0..4 {
        let k = token_key(&format!("s{i}"));
        w.mark(k);
        w.settle(k, Instant::now());
    }
    let e = w.epoch();
    w.mark(token_key("new"));
    assert_eq!(w.epoch(), e);
    assert_eq!(w.watched(), 1);
}

#[test]
fn lookup_words_and_deadline() {
    let (w, s) = watched(4);
    w.set_lookup((3, 9), Duration::from_millis(1500));
    let words = w.words();
    use std::sync::atomic::Ordering::Relaxed;
    assert_eq!(words.token_start.load(Relaxed), 3);
    assert_eq!(words.token_end.load(Relaxed), 9);
    assert_eq!(f64::from_bits(words.keep_ms.load(Relaxed)), 1500.0);
    // the wrapped store hands out the entry's deadline
    let k = token_key("k");
    let before = Instant::now();
    s.insert(k, Arc::new(5), Duration::from_secs(30));
    let (v, d) = s.get_until(&k).unwrap();
    assert_eq!(*v, 5);
    let d = d.unwrap();
    assert!(d >= before + Duration::from_secs(30) && d <= Instant::now() + Duration::from_secs(30));
    assert_eq!(*s.get(&k).unwrap(), 5);
}

#[test]
fn a_later_lookup_never_unwatches_an_earlier_answer() {
    // two cookie headers carry one token: the first answer is kept; the token leaves the cache
    // (evicted), a lookup by the second header finds nothing and lets go of its own mark, and
    // the engine then refuses the token: the first answer must still be voided
    let (w, s) = watched(8);
    let k = token_key("shared");
    w.mark(k);
    w.settle(k, later(60));
    w.mark(k);
    w.unmark(&k);
    assert_eq!(w.watched(), 1, "still watched for the first answer");
    let e = w.epoch();
    s.insert(k, Arc::new(0), Duration::from_secs(60));
    assert_ne!(w.epoch(), e);
    // a later, longer answer extends the watch; a shorter one does not shorten it
    let (w, _s) = watched(8);
    w.mark(k);
    w.settle(k, later(60));
    w.mark(k);
    w.settle(k, Instant::now());
    let e = w.epoch();
    w.changed(&k);
    assert_ne!(w.epoch(), e, "the 60 s answer is still live");
}

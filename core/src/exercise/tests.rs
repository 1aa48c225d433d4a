use super::*;

#[test]
#[ignore]
fn explore() {
    for k in KINDS {
        for level in 1..=MAX_LEVEL {
            let t = std::time::Instant::now();
            let mut fails = 0;
            let mut answers = std::collections::BTreeMap::new();
            for seed in 0..100 {
                match generate(k.id, seed, level) {
                    Ok(e) => *answers.entry(e.answer_text("en")).or_insert(0) += 1,
                    Err(e) => {
                        fails += 1;
                        if fails < 3 {
                            println!("  {e}");
                        }
                    }
                }
            }
            let top: Vec<_> = answers.iter().take(6).collect();
            println!("{} L{level}: fails {fails}, {} answers, {:?} {:?}", k.id, answers.len(), t.elapsed(), top);
        }
    }
    let e = generate("percpu-free", 3, 2).unwrap();
    println!("{}\n{}\n{}\n{}", e.script, e.question.render("en"), e.answer_text("en"), e.explain.render("ja"));
}

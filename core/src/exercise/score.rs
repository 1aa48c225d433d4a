//! The score of an exercise set and the `slabscope:score` message the embed posts to its parent
//! page (docs/exercises.md). Pure bookkeeping so the web app only posts what this returns.

use serde::Serialize;

use super::{Exercise, Grade, Response, SetRequest};

/// The message posted to the parent page after each graded answer and once at the end.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ScoreMessage {
    /// Always `slabscope:score`.
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// Exercise kind id.
    pub exercise: &'static str,
    /// Seed of the exercise just graded (the set's seed for the final message).
    pub seed: u64,
    /// 0-based position of the exercise in the set; `max` in the final message.
    pub index: u32,
    /// This answer was right; `None` (JSON `null`) in the final message.
    pub correct: Option<bool>,
    /// Right answers so far.
    pub score: u32,
    /// Exercises in the set.
    pub max: u32,
    /// Only in the final message.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub done: bool,
}

impl ScoreMessage {
    /// The JSON text (what `postMessage` sends after `JSON.parse`).
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("score messages serialize")
    }
}

/// A set being answered: one answer per exercise, in order; a second answer to the same exercise
/// is not counted again.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tally {
    /// The set.
    pub request: SetRequest,
    /// The grade of each exercise answered so far (index = position in the set).
    pub grades: Vec<Grade>,
}

impl Tally {
    /// A new tally for a set.
    pub fn new(request: SetRequest) -> Tally {
        Tally { request, grades: Vec::new() }
    }
    /// Right answers so far.
    pub fn score(&self) -> u32 {
        self.grades.iter().filter(|g| g.correct).count() as u32
    }
    /// Every exercise of the set has been answered.
    pub fn done(&self) -> bool {
        self.grades.len() as u32 >= self.request.count
    }
    /// Position of the exercise to answer next (`None` when done).
    pub fn next_index(&self) -> Option<u32> {
        (!self.done()).then_some(self.grades.len() as u32)
    }

    /// Grade the answer to `ex` (which must be exercise `index` of the set: the next one) and
    /// return the grade and the messages to post: the answer's, plus the final one when the
    /// set is complete. An answer to another exercise (already answered, or not yet reached, or
    /// of another set) is graded but changes nothing and posts nothing.
    pub fn answer(&mut self, index: u32, ex: &Exercise, r: &Response) -> (Grade, Vec<ScoreMessage>) {
        let grade = ex.grade(r);
        let expected_seed = self.request.seed.wrapping_add(u64::from(index));
        if self.next_index() != Some(index) || ex.kind != self.request.kind || ex.seed != expected_seed {
            return (grade, Vec::new());
        }
        self.grades.push(grade.clone());
        let base = ScoreMessage {
            kind: "slabscope:score",
            exercise: self.request.kind,
            seed: ex.seed,
            index,
            correct: Some(grade.correct),
            score: self.score(),
            max: self.request.count,
            done: false,
        };
        let mut out = vec![base.clone()];
        if self.done() {
            out.push(ScoreMessage {
                seed: self.request.seed,
                index: self.request.count,
                correct: None,
                done: true,
                ..base
            });
        }
        (grade, out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_set_posts_one_message_per_answer_and_a_final_one() {
        let req = SetRequest { kind: "buddy-pfn", seed: 10, count: 3, level: 1 };
        let set = req.generate().unwrap();
        let mut tally = Tally::new(req);
        let right = set[0].right_response();
        let (g, msgs) = tally.answer(0, &set[0], &right);
        assert!(g.correct);
        assert_eq!(
            msgs[0].to_json(),
            r#"{"type":"slabscope:score","exercise":"buddy-pfn","seed":10,"index":0,"correct":true,"score":1,"max":3}"#
        );
        // Answering the same exercise again counts nothing.
        assert!(tally.answer(0, &set[0], &right).1.is_empty());
        // Answering out of order counts nothing.
        assert!(tally.answer(2, &set[2], &set[2].right_response()).1.is_empty());
        let Response::Number(v) = set[1].right_response() else { panic!("buddy-pfn answers a number") };
        let (g, msgs) = tally.answer(1, &set[1], &Response::Number(v + 1));
        assert!(!g.correct);
        assert_eq!((msgs.len(), msgs[0].correct, msgs[0].score, msgs[0].seed), (1, Some(false), 1, 11));
        let (_, msgs) = tally.answer(2, &set[2], &set[2].right_response());
        assert_eq!(msgs.len(), 2);
        assert_eq!(
            msgs[1].to_json(),
            r#"{"type":"slabscope:score","exercise":"buddy-pfn","seed":10,"index":3,"correct":null,"score":2,"max":3,"done":true}"#
        );
        assert!(tally.done() && tally.next_index().is_none());
        assert!(tally.answer(3, &set[2], &right).1.is_empty(), "nothing after the end");
    }
}

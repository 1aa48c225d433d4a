//! The catalogue of exercise texts in English and Japanese: question, explanation, choice and
//! word templates by key. `{name}` is replaced by the message parameter `name`; a parameter
//! whose value is `@key` (or a `, `-separated list of them) is replaced by that entry's text in
//! the same language, so words inside a sentence are translated too. The CLI and the web app
//! render the same messages from this one table.

use super::Msg;

/// `(key, English, Japanese)`.
pub const TEXTS: &[(&str, &str, &str)] = &[
    // Titles (`slabscope exercise --list`, the Exercises mode menu).
    ("ex.title.buddyinfo", "Buddy: fill in /proc/buddyinfo after some page operations", "バディ: ページ操作の後の /proc/buddyinfo を埋める"),
    ("ex.title.buddy_pfn", "Buddy: which pfn does this allocation return?", "バディ: この割り当てが返す pfn は?"),
    ("ex.title.buddy_merge", "Buddy: which buddies merge when this block is freed?", "バディ: このブロックを解放すると、どのバディと結合する?"),
    ("ex.title.slub_object", "SLUB: which object does the next allocation on a CPU return?", "SLUB: ある CPU での次の割り当てが返すオブジェクトは?"),
    ("ex.title.slub_path", "SLUB: fast path or slow path (and which one)?", "SLUB: ファストパスかスローパスか(どの経路か)?"),
    ("ex.title.slub_node_partial", "SLUB: how many slabs are on the node partial list after these frees?", "SLUB: これらの解放の後、ノードの partial リストにスラブはいくつ?"),
    ("ex.title.slab_list", "Classic SLAB: which list is this slab on now?", "クラシック SLAB: このスラブは今どのリストにある?"),
    ("ex.title.slab_colour", "Classic SLAB: the colour offset of the next slab", "クラシック SLAB: 次のスラブのカラーオフセット"),
    ("ex.title.percpu_free", "Per-CPU arrays: does this free go to the magazine, the depot or the slab?", "CPU ごとの配列: この解放はマガジン・デポ・スラブのどこへ?"),
    ("ex.title.superslab_release", "SuperSlab: is this SuperSlab returned now?", "SuperSlab: この SuperSlab は今返却される?"),
    // Questions.
    (
        "ex.q.buddyinfo",
        "A machine with {pages} pages (one node, no per-CPU page lists) runs these {ops} operations. What is the /proc/buddyinfo row of node 0 afterwards (free blocks of order 0, 1, 2, …)?",
        "{pages} ページのマシン(1 ノード、CPU ごとのページリストなし)でこの {ops} 個の操作を実行します。その後のノード 0 の /proc/buddyinfo の行(オーダー 0, 1, 2, … の空きブロック数)は?",
    ),
    (
        "ex.q.buddy_pfn",
        "Next: `{op}`. Which pfn does this order-{order} allocation return?",
        "次は `{op}` です。このオーダー {order} の割り当てが返す pfn は?",
    ),
    (
        "ex.q.buddy_merge",
        "Next: `{op}` frees the order-{order} block at pfn {pfn}. Which buddies does it merge with? List their pfns (or none).",
        "次は `{op}` で、pfn {pfn} のオーダー {order} のブロックを解放します。どのバディと結合しますか? その pfn を並べてください(なければ「なし」)。",
    ),
    (
        "ex.q.slub_object",
        "Next: `{op}`. Which object does this allocation on CPU {cpu} return? Click it (or give its address).",
        "次は `{op}` です。CPU {cpu} でのこの割り当てはどのオブジェクトを返しますか? クリックしてください(またはアドレスを入力)。",
    ),
    (
        "ex.q.slub_path",
        "Next: `{op}`. Which path of SLUB's allocator serves it?",
        "次は `{op}` です。SLUB のアロケータのどの経路がこれを処理しますか?",
    ),
    (
        "ex.q.slub_node_partial",
        "The node partial list of cache c holds {before} slab(s). Then come these {frees} frees. How many slabs are on the node partial list afterwards?",
        "キャッシュ c のノード partial リストには今 {before} 個のスラブがあります。続いてこの {frees} 回の解放が行われます。その後、ノード partial リストにスラブはいくつありますか?",
    ),
    (
        "ex.q.slab_list",
        "The slab at pfn {pfn} of cache c is on {was}. After the next {ops} operations, which list is it on?",
        "キャッシュ c の pfn {pfn} のスラブは今 {was} にあります。次の {ops} 個の操作の後、どのリストにありますか?",
    ),
    (
        "ex.q.slab_colour",
        "Cache c (objects of {size} bytes) has {colours} colours of {colour_off} bytes and has made {made} slab(s) so far. The next allocation needs a new slab. What colour offset (bytes) does that slab get?",
        "キャッシュ c({size} バイトのオブジェクト)のカラーは {colour_off} バイト刻みで {colours} 色あり、これまでに {made} 個のスラブを作りました。次の割り当てには新しいスラブが必要です。そのスラブのカラーオフセット(バイト)は?",
    ),
    (
        "ex.q.percpu_free.mag",
        "Next: `{op}`. CPU {cpu}'s loaded magazine holds {main} of {cap} objects, its previous magazine holds {spare}; the depot has {full} full and {empty} empty magazines. Where does the freed object go?",
        "次は `{op}` です。CPU {cpu} の装填中のマガジンは {cap} 個中 {main} 個、前のマガジンは {spare} 個のオブジェクトを持ち、デポには満杯のマガジンが {full} 個、空のマガジンが {empty} 個あります。解放されたオブジェクトはどこへ行きますか?",
    ),
    (
        "ex.q.percpu_free.sheaf",
        "Next: `{op}`. CPU {cpu}'s main sheaf holds {main} of {cap} objects, its spare sheaf holds {spare}; the barn has {full} full and {empty} empty sheaves. Where does the freed object go?",
        "次は `{op}` です。CPU {cpu} のメインのシーフは {cap} 個中 {main} 個、予備のシーフは {spare} 個のオブジェクトを持ち、バーンには満杯のシーフが {full} 個、空のシーフが {empty} 個あります。解放されたオブジェクトはどこへ行きますか?",
    ),
    (
        "ex.q.superslab_release",
        "Next: `{op}`. SuperSlab #{id} has {active} active block(s) and superslab_release is {release}. Is SuperSlab #{id} returned to the page allocator by this free?",
        "次は `{op}` です。SuperSlab #{id} の使用中ブロックは {active} 個で、superslab_release は {release} です。この解放で SuperSlab #{id} はページアロケータに返却されますか?",
    ),
    // Explanations.
    (
        "ex.e.buddyinfo",
        "Steps {from}–{to}: the allocations split larger blocks {splits} time(s) and the frees merged buddies {merges} time(s), leaving the row {row}.",
        "ステップ {from}–{to}: 割り当てで大きなブロックが {splits} 回分割され、解放でバディが {merges} 回結合し、行は {row} になりました。",
    ),
    (
        "ex.e.buddy_pfn",
        "Steps {from}–{to}: __rmqueue_smallest took the first free block of order {taken_order} (pfn {taken_pfn}), the smallest order ≥ {order} with a free block; expand() split it {splits} time(s), keeping the low half each time, so the allocation returns pfn {pfn}.",
        "ステップ {from}–{to}: __rmqueue_smallest は、空きブロックのある {order} 以上で最小のオーダー {taken_order} の先頭ブロック(pfn {taken_pfn})を取り、expand() がそれを {splits} 回分割して毎回下半分を残したので、割り当ては pfn {pfn} を返します。",
    ),
    (
        "ex.e.buddy_merge",
        "Steps {from}–{to}: __free_one_page looked for the buddy (pfn XOR 2^order) of the block at pfn {pfn} order {order} at each order; it merged with {buddies} and put the block at pfn {final_pfn} of order {final_order} on the free list.",
        "ステップ {from}–{to}: __free_one_page は pfn {pfn}・オーダー {order} のブロックのバディ(pfn XOR 2^order)を各オーダーで調べ、{buddies} と結合して、pfn {final_pfn}・オーダー {final_order} のブロックを空きリストに入れました。",
    ),
    (
        "ex.e.buddy_merge.none",
        "Steps {from}–{to}: __free_one_page found the buddy (pfn XOR 2^order) of the block at pfn {pfn} order {order} not free at the same order, so nothing merged: the block went on the order-{final_order} free list as it is (pfn {final_pfn}).",
        "ステップ {from}–{to}: __free_one_page は pfn {pfn}・オーダー {order} のブロックのバディ(pfn XOR 2^order)が同じオーダーで空いていないことを見つけたので、結合はありません。ブロックはそのまま(pfn {final_pfn})オーダー {final_order} の空きリストに入りました。",
    ),
    (
        "ex.e.slub_object",
        "Steps {from}–{to}: CPU {cpu} served the allocation from {path}; the object at the head of that freelist, {addr}, is returned (freelists are LIFO: the last object freed there comes out first).",
        "ステップ {from}–{to}: CPU {cpu} は {path} から割り当てを処理し、そのフリーリストの先頭のオブジェクト {addr} が返されました(フリーリストは LIFO: 最後に解放されたものが最初に出ます)。",
    ),
    (
        "ex.e.slub_path",
        "Steps {from}–{to}: the object {addr} came from {path}. Slow-path steps on the way: {steps}.",
        "ステップ {from}–{to}: オブジェクト {addr} は {path} から来ました。途中のスローパスの段階: {steps}。",
    ),
    (
        "ex.e.slub_node_partial",
        "Steps {from}–{to}: {before} slab(s) were on the node partial list; the frees added {added} and removed {removed} (frees into full slabs go to the CPU partial list first: {cpu_partial} push(es); {discarded} empty slab(s) were discarded), leaving {value}.",
        "ステップ {from}–{to}: ノード partial リストには {before} 個のスラブがあり、解放で {added} 個が加わり {removed} 個が外れました(満杯のスラブへの解放はまず CPU の partial リストへ: {cpu_partial} 回、空のスラブの破棄 {discarded} 個)。結果は {value} 個です。",
    ),
    (
        "ex.e.slab_list",
        "Steps {from}–{to}: a classic SLAB slab is on the list its active count calls for; the slab at pfn {pfn} ends with {active} of {num} objects handed out (objects in CPU arrays still count as handed out), so it is on {list}.",
        "ステップ {from}–{to}: クラシック SLAB のスラブは使用中の数に応じたリストにあります。pfn {pfn} のスラブは最後に {num} 個中 {active} 個が払い出されている(CPU 配列にあるオブジェクトも払い出し扱い)ので、{list} にあります。",
    ),
    (
        "ex.e.slab_colour",
        "Steps {from}–{to}: cache_grow advances colour_next before using it, wrapping at {colours}: the previous slab's offset was {prev}, so colour_next is {next} and the offset is {next} × {colour_off} = {offset} bytes.",
        "ステップ {from}–{to}: cache_grow は colour_next を使う前に進め、{colours} で 0 に戻ります。前のスラブのオフセットは {prev} だったので colour_next は {next}、オフセットは {next} × {colour_off} = {offset} バイトです。",
    ),
    ("ex.e.percpu_free", "Steps {from}–{to}: {why}", "ステップ {from}–{to}: {why}"),
    ("ex.e.superslab_release", "Steps {from}–{to}: {why}", "ステップ {from}–{to}: {why}"),
    // Words and choices.
    ("ex.none", "none", "なし"),
    ("ex.yes", "Yes: it is returned to the page allocator now", "はい: 今ページアロケータに返却される"),
    ("ex.no", "No: it stays mapped", "いいえ: マップされたまま残る"),
    ("ex.on", "on", "on"),
    ("ex.off", "off", "off"),
    ("ex.path.fast", "the fast path (the CPU's lockless freelist)", "ファストパス(CPU のロックなしフリーリスト)"),
    ("ex.path.slow", "a slow path (beyond the CPU's freelist)", "スローパス(CPU のフリーリストの先)"),
    ("ex.path.cpu_slab", "the cpu slab's own freelist (objects other CPUs freed)", "CPU スラブ自身のフリーリスト(他の CPU が解放したもの)"),
    ("ex.path.cpu_partial", "a slab from the CPU partial list", "CPU の partial リストのスラブ"),
    ("ex.path.node_partial", "a slab from the node partial list", "ノードの partial リストのスラブ"),
    ("ex.path.remote_node", "a partial slab of another node", "別ノードの partial スラブ"),
    ("ex.path.new_slab", "a new slab from the page allocator", "ページアロケータからの新しいスラブ"),
    ("ex.slow.cpu_freelist_empty", "the CPU freelist was empty", "CPU フリーリストが空"),
    ("ex.slow.cpu_slab_full", "the cpu slab was full and left the CPU", "CPU スラブが満杯で CPU を離れた"),
    ("ex.slow.node_mismatch", "the cpu slab was on the wrong node", "CPU スラブが別ノードにあった"),
    ("ex.slow.need_new_slab", "no partial slab: a new slab was needed", "partial スラブなし: 新しいスラブが必要"),
    ("ex.slow.cpu_partial_full", "the CPU partial list was full and flushed", "CPU の partial リストが満杯で吐き出された"),
    ("ex.list.full", "slabs_full", "slabs_full"),
    ("ex.list.partial", "slabs_partial", "slabs_partial"),
    ("ex.list.free", "slabs_free", "slabs_free"),
    ("ex.free.mag.loaded", "The loaded magazine (it has room)", "装填中のマガジン(空きがある)"),
    ("ex.free.mag.swap", "The previous magazine, after a swap (it was empty)", "入れ替え後の前のマガジン(空だった)"),
    ("ex.free.mag.depot", "An empty magazine from the depot (the full one goes to the depot)", "デポからの空のマガジン(満杯のものはデポへ)"),
    ("ex.free.mag.slab", "Straight back to its slab", "直接スラブへ戻る"),
    ("ex.free.sheaf.loaded", "The main sheaf (it has room)", "メインのシーフ(空きがある)"),
    ("ex.free.sheaf.swap", "A sheaf after main becomes the spare (swap, or a first spare)", "メインが予備になった後のシーフ(入れ替え、または最初の予備)"),
    ("ex.free.sheaf.depot", "An empty sheaf from the barn (the full main goes to the barn)", "バーンからの空のシーフ(満杯のメインはバーンへ)"),
    ("ex.free.sheaf.slab", "The slabs: the barn is full, so the spare sheaf is flushed to the slabs", "スラブ: バーンが満杯なので予備のシーフをスラブへ吐き出す"),
    (
        "ex.free.mag.why.loaded",
        "the loaded magazine had room (fewer than {cap} objects), so the object was pushed on it: no lock, no depot.",
        "装填中のマガジンに空き({cap} 個未満)があったので、オブジェクトはそこに積まれました。ロックもデポも不要です。",
    ),
    (
        "ex.free.mag.why.swap",
        "the loaded magazine was full and the previous one empty: Bonwick's free swaps them and pushes onto the (now loaded) empty magazine.",
        "装填中のマガジンが満杯で前のマガジンが空だったので、Bonwick の解放は両者を入れ替え、(装填された)空のマガジンに積みました。",
    ),
    (
        "ex.free.mag.why.depot",
        "both magazines were full: the full one went to the depot's full list and an empty magazine came back (from the depot, or newly made), then the object was pushed on it.",
        "両方のマガジンが満杯だったので、満杯のものをデポの満杯リストへ渡し、空のマガジン(デポから、または新規)を受け取ってから積みました。",
    ),
    (
        "ex.free.mag.why.slab",
        "the magazine layer could not take the object, so it went back to its slab.",
        "マガジン層が受け取れなかったので、オブジェクトはスラブへ戻りました。",
    ),
    (
        "ex.free.sheaf.why.loaded",
        "the main sheaf had room (fewer than {cap} objects), so the object was pushed on it.",
        "メインのシーフに空き({cap} 個未満)があったので、オブジェクトはそこに積まれました。",
    ),
    (
        "ex.free.sheaf.why.swap",
        "the main sheaf was full: it became the spare (swapping with an empty spare, or becoming the first spare) and the object went on the empty main sheaf.",
        "メインのシーフが満杯だったので、それが予備になり(空の予備と入れ替え、または最初の予備として)、オブジェクトは空のメインのシーフに積まれました。",
    ),
    (
        "ex.free.sheaf.why.depot",
        "main and spare were full: the full main went to the barn and an empty sheaf came back to take the object.",
        "メインも予備も満杯だったので、満杯のメインをバーンへ渡し、空のシーフを受け取ってオブジェクトを積みました。",
    ),
    (
        "ex.free.sheaf.why.slab",
        "main and spare were full and the barn held its maximum of full sheaves: the spare was flushed to the slabs and the object went on an emptied sheaf.",
        "メインも予備も満杯で、バーンも満杯のシーフの上限に達していたので、予備のシーフをスラブへ吐き出し、空いたシーフにオブジェクトを積みました。",
    ),
    (
        "ex.ss.why.returned",
        "the free brought total_active_blocks of SuperSlab #{id} to 0 and superslab_release is on: any of its blocks left in thread magazines were purged and the 2 MiB went back to the page allocator (death).",
        "この解放で SuperSlab #{id} の total_active_blocks が 0 になり、superslab_release が on なので、スレッドのマガジンに残るそのブロックを取り除き、2 MiB をページアロケータに返しました(死)。",
    ),
    (
        "ex.ss.why.off",
        "total_active_blocks of SuperSlab #{id} reached 0, but superslab_release is off: an empty SuperSlab stays mapped, kept for later allocations.",
        "SuperSlab #{id} の total_active_blocks は 0 になりましたが、superslab_release が off なので、空の SuperSlab はマップされたまま後の割り当てのために残ります。",
    ),
    (
        "ex.ss.why.active",
        "SuperSlab #{id} still has {active} active block(s) after the free, so it cannot be returned.",
        "解放後も SuperSlab #{id} には使用中のブロックが {active} 個あるので、返却できません。",
    ),
    // Labels of the text form (CLI) and the web view.
    ("ex.ui.machine", "Machine", "マシン"),
    ("ex.ui.done", "Already done", "実行済み"),
    ("ex.ui.then", "Then", "続いて"),
    ("ex.ui.question", "Question", "問題"),
    ("ex.ui.choices", "Choices", "選択肢"),
    ("ex.ui.answer", "Answer", "答え"),
    ("ex.ui.why", "Why", "理由"),
    ("ex.ui.candidates", "Objects of cache {cache}", "キャッシュ {cache} のオブジェクト"),
];

/// The text of a key in a language (`ja`, else English); the key itself when it is missing.
pub fn word<'a>(key: &'a str, lang: &str) -> &'a str {
    match TEXTS.iter().find(|t| t.0 == key) {
        Some(t) if lang == "ja" => t.2,
        Some(t) => t.1,
        None => key,
    }
}

fn param_text(value: &str, lang: &str) -> String {
    if !value.starts_with('@') {
        return value.to_string();
    }
    let sep = if lang == "ja" { "、" } else { ", " };
    value.split(", ").map(|v| v.strip_prefix('@').map_or(v, |k| word(k, lang))).collect::<Vec<_>>().join(sep)
}

/// Render a message: its template with every `{name}` replaced (words in `@key` parameters
/// translated, and `{cap}`-style parameters inside them filled from the same message).
pub fn render(msg: &Msg, lang: &str) -> String {
    fill(word(msg.key, lang), msg, lang, 0)
}

fn fill(template: &str, msg: &Msg, lang: &str, depth: u8) -> String {
    let mut out = template.to_string();
    for (name, value) in &msg.params {
        let pat = format!("{{{name}}}");
        if out.contains(&pat) {
            let v = param_text(value, lang);
            let v = if depth == 0 && v.contains('{') { fill(&v, msg, lang, 1) } else { v };
            out = out.replace(&pat, &v);
        }
    }
    out
}

"""The tour's script: the article's argument in order, one claim a step.

Each step names the view that proves it (`view`: app/tour_views.py VIEWS lists its widgets
and drawing, jobs/tour.py RECORDS its records) and where its "try it" key leads (`try_it`: a
full screen in the state the step describes). Plain data: no Textual, no torch.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class TourStep:
    title: str
    text: str  # two to four sentences (Textual markup: a literal "[" is written "\\[")
    view: str  # which view proves it: a key of tour_views.VIEWS
    try_it: str  # what enter opens: explorer:<state>, train, grok-replay, scale
    try_it_label: str  # what the footer line says it opens
    keys: str = ""  # the step's own keys, shown under the paragraph
    focus: str = ""  # text whose last character the strip keeps in view (the paragraph's example)


STEPS: tuple[TourStep, ...] = (
    TourStep(
        "Sending a token raw costs 8 bits",
        "Alice must send Bob the sum on the right. With no model she sends every token as a "
        "byte: [b]8 bits[/], likely or not. Bob needs only the rule \"read 8 bits, look up the "
        "byte\": a tiny [b]code f[/], counted once. Everything after this is about paying less "
        "than 8 bits a token with a model that both of them run; an untrained one that only "
        "knows the 14 symbols already pays log2 14 = 3.8.",
        "raw", "explorer:untrained", "the explorer with an untrained model"),
    TourStep(
        "A distribution splits [0, 1) into intervals",
        "The model gives every possible next token a probability; laid end to end they split "
        "\\[0, 1), one interval per token. Here the real token, [b]4[/], owns \\[0.6, 0.8). Alice "
        "halves \\[0, 1) until her half lies inside it: 0.5, go [b]right[/] (1); 0.75, go "
        "[b]left[/] (0); 0.625, go [b]right[/] (1). She sends [b]101[/]; Bob replays the same "
        "halvings to \\[0.625, 0.75), looks at its middle, [b]0.6875[/], and reads token 4.",
        "interval", "explorer:die", "this example in the explorer (b bisects)",
        keys="[b]b[/]: one halving · [b]backspace[/]: start again"),
    TourStep(
        "A token costs about -log2 p bits",
        "Each halving is one bit and halves the interval, so a token of probability p is "
        "inside after about [b]-log2 p[/] halvings, and never more than "
        "[b]⌈-log2 p⌉ + 1[/]. The table codes one token at each p with the real coder: a "
        "likely token costs one bit, a surprise costs many.",
        "costs", "explorer:pretrained", "the explorer: each token's code beside -log2 p"),
    TourStep(
        "Summed, the bits are the area under the loss curve",
        "Now both sides train as they go: code a sum with the model, then both train on it. "
        "Each token's cost is the model's loss on it in bits, so the whole message is the "
        "[b]area under the training-loss curve[/], plus the code f. The line above the charts "
        "compares the streaming coder's real output with that area while a model learns "
        "4-digit addition, live.",
        "training", "train", "the train screen"),
    TourStep(
        "Aleatoric bits stay, epistemic bits go",
        "In 8-digit addition the 16 operand digits are random: each costs about log2 10 = "
        "3.32 bits to any model, however clever ([b]aleatoric[/], blue). The answer follows "
        "from them, so it costs bits only until the model has learned to add "
        "([b]epistemic[/], orange). The floor is 52.85 bits a sum (no operand starts with "
        "0); article: an untrained model pays 106.6 bits a sum, a trained one 52.9. The table "
        "measures lmviz's own models here.",
        "addition", "explorer:pretrained", "the explorer with the trained 8-digit model"),
    TourStep(
        "Bob decodes from the bits alone",
        "Bob never sees the sum, only the bits and the same model. He splits \\[0, 1) with the "
        "same distribution, follows Alice's bits, reads the token whose interval they land "
        "in, and feeds it to his model for the next one. Below: what he read, token by token, "
        "from the bits alone.",
        "decode", "explorer:bob", "the explorer in Bob's view"),
    TourStep(
        "Per-token codes pay at least a bit a token; the streaming coder does not",
        "Coding each token by itself costs at least [b]one bit a token[/], even for an answer "
        "digit the model is sure of, and Bob must also learn where each code ends: the "
        "reference notebook's naive coder (shortest codes plus their lengths) stalls near "
        "[b]75% of raw[/], however well the model has learned. The streaming "
        "(arithmetic) coder carries the interval from token to token and pays Σ -log2 p, "
        "within 2 bits for the whole message.",
        "streaming", "explorer:finish", "the explorer with the whole sum sent (its totals)"),
    TourStep(
        "Two symbols: bisection cannot compress at all",
        "With m = 2 a token is one bit raw, and per-token bisection spends at least one bit on "
        "each: no saving, ever. The article's way out sends the length k of each run of tokens "
        "that equal the model's best guess, about log2 k bits a run. The streaming coder does "
        "better still: a bit predicted at 97% costs 0.04 bits, and the floor, an average "
        "over every sample the source could give, can be beaten by one short, lucky sample.",
        "binary", "explorer:binary", "the explorer on bits (m: the online model)"),
    TourStep(
        "Weights are not the data: grokking",
        "A small transformer learns a/b mod 97 from half of the table. It fits the training "
        "pairs first, while the unseen pairs stay near chance: it has [b]memorised[/]. Only "
        "later, as weight decay simplifies the weights, does validation reach 100%: it has "
        "[b]generalised[/] (grokked). The recorded run replays on the right; the lines below "
        "say how much later, and what the unseen pairs' answers cost in bits: a model that "
        "has generalised sends them almost free.",
        "grokking", "grok-replay", "the grok screen, replaying the run"),
    TourStep(
        "Bigger models draw lower loss curves",
        "Five sizes of one byte-level transformer, from 23 thousand to 1.9 million parameters, "
        "read the very same English once, each byte coded before the model trains on it, each "
        "size at the learning rate its own sweep picked. The bigger the model, the lower its "
        "loss curve and so the shorter its whole message, code f included: [b]a model that "
        "learns more compresses more[/]. A bigger model can start behind, with more to learn "
        "before it pays; the lines below say where each one overtakes the next.",
        "scale", "scale", "lmviz scale (l races the small sizes live)"),
    TourStep(
        "A model that has read English makes English cheap",
        "Pretrained on 76 MB of English, a 3.4M-parameter model codes everyday sentences "
        "it has never seen at under 2 bits a character (1.80 on the benchmark's 34). This "
        "pangram is harder: after \"fo\" it expects \"r\", so the \"x\" is a surprise that "
        "costs many bits. Word beginnings cost bits, word endings are almost free, and on a "
        "text this short gzip and xz need more than the 8 raw bits. Bob needs the weights once: "
        "the totals count them.",
        "english", "explorer:english", "the explorer on English", focus="fox"),
)

package exercise

import (
	"errors"

	"github.com/flowmatching/gofm/fmkit/nb"
)

// The analyses (3b, 4a, 4b) measure what the chapter asks about on the
// student's trained models, with the student's sampler and paths. Before
// they conclude anything they list what they rely on: each model must have
// passed its training check (its Gate, saved with it), and the parts they
// run must pass when graded again. When something did not pass they still
// measure and draw, but say plainly that the numbers mean little, and leave
// out the conclusions.

// modelItem loads the model of a name and adds the item saying whether it
// passed its training check. It returns nil (with a Waiting or Failed item)
// when there is no model to analyse.
func modelItem(r *Report, id, name string, v Field) *Model {
	m, err := LoadModel(name, v)
	if err != nil {
		if errors.Is(err, ErrNoModel) {
			part := partText(Part2c)
			if name != "linear" {
				part = tr("%s路径的训练检查", "the training check of the %s path", pathLabel(name))
			}
			r.wait(id, tr("需要先训练这个模型：运行%s", "needs this model: run %s first", part))
		} else {
			r.err(id, "", err, nil, Text{})
		}
		return nil
	}
	if m.Gate.Passed {
		r.pass(id, tr("通过了训练检查：W2 = %.3f ± %.3f", "passed its training check: W2 = %.3f ± %.3f", m.Gate.W2, m.Gate.W2SD))
	} else {
		r.blocked(id, tr("这个模型没有通过%s——%s", "this model did not pass %s: %s", partText(m.Gate.Part), m.Gate.Reason), m.Gate.verdict())
	}
	return m
}

// partItem adds an item for a part the analysis runs, graded again.
func partItem(r *Report, id string, v verdict) {
	if v.ok() {
		r.pass(id, tr("通过了%s的检查", "passes the check of %s", partText(v.part)))
		return
	}
	r.needs(id, v)
}

// pathLabel names a trained path in both languages.
func pathLabel(name string) Text {
	switch name {
	case "linear":
		return Text{"线性", "linear"}
	case "curved":
		return Text{"弯曲", "curved"}
	}
	return both(name)
}

// trusted reports whether every item of an analysis's preconditions passed.
func trusted(r *Report) bool { return r.Passed() }

// caution is the sentence an analysis shows instead of its conclusions
// when r (its preconditions) has an item that did not pass.
func caution(r *Report) Text {
	it, _ := r.FirstProblem()
	return tr("⚠️ **这些数字意义不大。** %s：%s。下面照样把能测的都测了、能画的都画了，但在它通过之前，不要根据这些数字下结论。",
		"⚠️ **These numbers mean little.** %s: %s. Everything that can be measured and drawn is still shown below, but draw no conclusion from it until that passes.",
		it.Name, it.Detail)
}

// markdown shows a text as Markdown: the language of Lang, or for
// Bilingual the Chinese paragraph and then the English one.
func markdown(t Text) {
	if Lang == Bilingual && t.ZH != t.EN {
		nb.Markdown(t.ZH + "\n\n" + t.EN)
		return
	}
	nb.Markdown(t.String())
}

// texts renders texts in Lang, e.g. the header of a table.
func texts(ts ...Text) []string {
	out := make([]string, len(ts))
	for i, t := range ts {
		out[i] = t.String()
	}
	return out
}

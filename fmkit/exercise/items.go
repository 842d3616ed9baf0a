package exercise

import "fmt"

// Part labels, as the stubs of the exercise notebook name them.
const (
	Part1a = "part 1a (timeEmbedding)"
	Part1b = "part 1b (vTheta)"
	Part2a = "part 2a (linearPath)"
	Part2b = "part 2b (cfmLoss)"
	Part2c = "part 2c (trainCFM)"
	Part3a = "part 3a (eulerSample)"
	Part4b = "part 4b (curvedPath)"
)

// itemNames are the names of the checklist items, by ID: the part (or
// question) the item grades, a slash, and what it looks at.
var itemNames = map[string]Text{
	"1a/run":        {"1a 时间嵌入", "1a time embedding"},
	"1a/shape":      {"1a 时间嵌入：形状", "1a time embedding: shape"},
	"1a/finite":     {"1a 时间嵌入：数值有限", "1a time embedding: finite"},
	"1a/uses-t":     {"1a 时间嵌入：随 t 变化", "1a time embedding: depends on t"},
	"1a/sinusoidal": {"1a 时间嵌入：正弦编码", "1a time embedding: sinusoidal"},
	"1a/distinct":   {"1a 时间嵌入：区分不同的时间", "1a time embedding: tells times apart"},

	"1b/run":       {"1b v_θ", "1b v_θ"},
	"1b/shape":     {"1b v_θ：形状", "1b v_θ: shape"},
	"1b/finite":    {"1b v_θ：数值有限", "1b v_θ: finite"},
	"1b/weights":   {"1b v_θ：有可训练的权重", "1b v_θ: has weights"},
	"1b/uses-t":    {"1b v_θ：用到 t", "1b v_θ: uses t"},
	"1b/nonlinear": {"1b v_θ：对 x 非线性", "1b v_θ: nonlinear in x"},
	"1b/batch":     {"1b v_θ：各点互不影响", "1b v_θ: points independent"},

	"2a/run": {"2a 线性路径", "2a linear path"},
	"2a/xt":  {"2a 线性路径：x_t", "2a linear path: x_t"},
	"2a/ut":  {"2a 线性路径：u_t", "2a linear path: u_t"},

	"2b/run":       {"2b CFM 损失", "2b CFM loss"},
	"2b/scalar":    {"2b CFM 损失：标量", "2b CFM loss: scalar"},
	"2b/value":     {"2b CFM 损失：数值", "2b CFM loss: value"},
	"2b/zero":      {"2b CFM 损失：最优处为零", "2b CFM loss: zero at the optimum"},
	"2b/trainable": {"2b 配合 v_θ 的损失：可以训练", "2b loss with v_θ: trainable"},

	"3a/run":          {"3a 欧拉法", "3a Euler"},
	"3a/states":       {"3a 欧拉法：状态序列", "3a Euler: states"},
	"3a/constant":     {"3a 欧拉法：常向量场", "3a Euler: constant field"},
	"3a/tk":           {"3a 欧拉法：在 t_k 处求值", "3a Euler: uses t_k"},
	"3a/order":        {"3a 欧拉法：一阶收敛", "3a Euler: order 1"},
	"3a/nfe":          {"3a 欧拉法：NFE", "3a Euler: NFE"},
	"3a/bad-steps":    {"3a 欧拉法：非法步数", "3a Euler: bad step count"},
	"3a/field-errors": {"3a 欧拉法：向量场报错", "3a Euler: field errors"},
	"3a/model":        {"3a 欧拉法：训练好的模型", "3a Euler: trained model"},
	"3a/w2":           {"3a 欧拉法：到月牙的 W2", "3a Euler: W2 to the moons"},

	"3b/model":   {"3b 线性模型", "3b linear model"},
	"3b/sampler": {"3b 你的欧拉采样器", "3b your Euler sampler"},
	"3b/run":     {"3b 比较", "3b comparison"},

	"4a/path":    {"4a 线性路径", "4a linear path"},
	"4a/model":   {"4a 线性模型", "4a linear model"},
	"4a/sampler": {"4a 你的欧拉采样器", "4a your Euler sampler"},

	"4b/run":       {"4b 弯曲路径", "4b curved path"},
	"4b/endpoints": {"4b 弯曲路径：端点", "4b curved path: endpoints"},
	"4b/bend":      {"4b 弯曲路径：弯曲项 ⟂ (x1 - x0)，正比于 t(1-t)", "4b curved path: bend ⟂ (x1 - x0), ∝ t(1-t)"},
	"4b/ut":        {"4b 弯曲路径：u_t = d x_t/dt", "4b curved path: u_t = d x_t/dt"},

	"4b/linear-model": {"4b 线性路径的模型", "4b model of the linear path"},
	"4b/curved-model": {"4b 弯曲路径的模型", "4b model of the curved path"},
	"4b/paths":        {"4b 两条路径", "4b the two paths"},
	"4b/sampler":      {"4b 你的欧拉采样器", "4b your Euler sampler"},
	"4b/animated":     {"4b 动画中的弯曲路径", "4b the animated curved path"},
}

// The items of CheckTraining, for the linear path (part 2c) and for the
// curved one (part 4b).
var trainingItems = []struct{ key, zh, en string }{
	{"run", "运行", "runs"},
	{"losses", "每一步的损失", "losses"},
	{"decreases", "损失下降", "loss decreases"},
	{"weights", "保存权重", "weights"},
	{"samples", "采样", "samples"},
	{"w2", "到月牙的 W2", "W2 to the moons"},
}

func init() {
	for _, it := range trainingItems {
		itemNames["2c/"+it.key] = Text{"2c 训练：" + it.zh, "2c training: " + it.en}
		itemNames["4b/training-"+it.key] = Text{"4b 训练（弯曲路径）：" + it.zh, "4b training (curved): " + it.en}
	}
}

// itemName is the name of the item id; an unknown id is a bug of this
// package.
func itemName(id string) Text {
	name, ok := itemNames[id]
	if !ok {
		panic(fmt.Sprintf("exercise: no name for item %q", id))
	}
	return name
}

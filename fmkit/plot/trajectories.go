package plot

import (
	"fmt"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Colours of Trajectories.
var (
	pathColour  = rgb(0x1f77b4)
	startColour = rgb(0x8a8a8a)
	endColour   = rgb(0xe8590c)
)

// Trajectories draws the paths of particles moved by a flow. traj[k] is
// the n x 2 matrix of the particles' positions at time step k (at least two
// steps, the same n for all). Up to maxLines paths, of particles evenly
// spread over the n, are drawn as thin lines (all of them if maxLines <= 0);
// the start points (traj[0]) and end points (traj[len(traj)-1]) of all
// particles are drawn as dots of two colours. Both axes have the same scale.
func Trajectories(title string, traj []*mat.Dense, maxLines int) (*plot.Plot, error) {
	fail := func(format string, args ...any) error {
		return fmt.Errorf("plot.Trajectories %q: %s", title, fmt.Sprintf(format, args...))
	}
	if len(traj) < 2 {
		return nil, fail("%d time steps, need at least 2", len(traj))
	}
	var n int
	for k, x := range traj {
		m, err := checkPoints(fmt.Sprintf("time step %d", k), x)
		if err != nil {
			return nil, fail("%v", err)
		}
		if k == 0 {
			n = m
		} else if m != n {
			return nil, fail("time step %d has %d points, time step 0 has %d", k, m, n)
		}
	}
	lines := n
	if maxLines > 0 {
		lines = min(n, maxLines)
	}
	idx := make([]int, lines)
	for l := range idx {
		idx[l] = l * n / lines
	}

	p := newPanel(title, "x", "y")
	EqualAspect(p)
	// Lines: thinner and fainter when there are many.
	alpha, width := 0.55, vg.Points(0.8)
	if lines > 100 {
		alpha, width = 0.35, vg.Points(0.6)
	}
	if lines > 1000 {
		alpha, width = 0.2, vg.Points(0.5)
	}
	// Start points under the paths, end points on top.
	r, a := dotStyle(n)
	first, last := traj[0], traj[len(traj)-1]
	p.Add(&dots{xy: first, radius: r, colour: withAlpha(startColour, a)})
	path := draw.LineStyle{Color: withAlpha(pathColour, alpha), Width: width}
	p.Add(&paths{traj: traj, idx: idx, style: path})
	p.Add(&dots{xy: last, radius: r, colour: withAlpha(endColour, a)})

	addLegend(p, "start", dotThumb{startColour, 3.5})
	addLegend(p, "end", dotThumb{endColour, 3.5})
	name := "paths"
	if lines < n {
		name = fmt.Sprintf("%d of %d paths", lines, n)
	}
	addLegend(p, name, lineThumb{draw.LineStyle{Color: opaque(pathColour), Width: vg.Points(1.2)}})
	setRange(p, BoundsOf(traj...))
	return p, nil
}

// paths draws the polylines of the particles idx through the time steps.
type paths struct {
	traj  []*mat.Dense
	idx   []int
	style draw.LineStyle
}

func (t *paths) Plot(c draw.Canvas, p *plot.Plot) {
	trX, trY := p.Transforms(&c)
	line := make([]vg.Point, len(t.traj))
	for _, i := range t.idx {
		for k, x := range t.traj {
			line[k] = vg.Point{X: trX(x.At(i, 0)), Y: trY(x.At(i, 1))}
		}
		c.StrokeLines(t.style, line)
	}
}

// Package plot draws the figures of the fmkit notebooks: point clouds,
// densities, particle paths, vector fields and curves, rendered with
// gonum/plot to PNG and shown inline in GoNB.
//
// A figure is made of panels. Each panel is an ordinary gonum plot
// (*plot.Plot from gonum.org/v1/plot), made by one of the builders of this
// package or by hand, and a Figure lays panels out side by side (Row) or in
// a grid (Grid) and renders them as one image:
//
//	src, _ := plot.Scatter("Samples", plot.Points{Name: "source", X: x0}, plot.Points{Name: "target", X: x1})
//	paths, _ := plot.Trajectories("Paths", traj, 200)
//	err := plot.Row(src, paths).Show()
//
// Show displays the figure as an image/png output of the notebook cell (it
// renders but displays nothing outside a notebook); PNG returns the image
// and Save writes it to a file, atomically, as PNG, JPEG, SVG or PDF.
// Each panel is 4 x 4 inches at 96 dpi (384 x 384 pixels) unless the
// Figure's PanelWidth, PanelHeight and DPI say otherwise.
//
// Point sets are *mat.Dense matrices (gonum.org/v1/gonum/mat) with one row
// per point and two columns, x and y. The builders check their input and
// return an error that says what is wrong (an empty set, a NaN, a wrong
// number of columns) rather than drawing a misleading figure.
//
// The builders are Scatter (labelled point clouds), Density and DensityLog
// (2D histograms as heat maps), Trajectories (particle paths of a flow),
// Quiver and QuiverAt (vector fields as arrows; evaluate a learned field at
// GridPoints in one batch and draw it with QuiverAt), Curves (line plots
// such as an error against the number of steps) and Loss (a training loss
// with its moving average).
//
// The panels that show the plane (Scatter, Density, Trajectories, Quiver,
// QuiverAt) have the same scale on both axes, so that distances, angles and
// circles look right whatever the size of the panel: a Figure widens their
// axis ranges to fill the panel. EqualAspect asks the same for a panel
// made by hand. Legends are drawn in a strip above the data area, under
// the title, so that they never hide data; the strips of a row of panels
// get the same height, so that the titles of the row stay aligned.
//
// Animations: Animate renders a sequence of figures as one animated GIF
// that loops, and Flow animates particles moving over the density p_t
// they follow (a learned ODE's trajectory over the histogram of its
// particles, or a closed-form marginal path over its density; PathFlow
// makes one from a conditional path and pairs of its coupling). An
// Animation's Show displays it inline (image/gif) as Figure.Show does a
// figure. Every animation is bounded so that notebooks stay small: at most
// MaxFrames (60) frames of at most MaxFramePixels pixels, and at most
// MaxAnimationBytes (1.5 MB) encoded, else Animate returns an error saying
// what to reduce; a Flow at the default size with 60 frames and 2000
// moving dots takes about 0.25 MB.
//
// The returned panels can be changed with gonum's API before they are
// shown: titles, axis labels and ranges, more plotters with Add. As this
// package is also named plot, import gonum's under another name, e.g.
//
//	import gplot "gonum.org/v1/plot"
package plot

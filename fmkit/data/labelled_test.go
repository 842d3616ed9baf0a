package data

import (
	"bytes"
	"compress/gzip"
	"math"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// SampleLabelled draws the same points as Sample for the same seed, and each
// label is the component the point lies on.
func TestLabelledToys(t *testing.T) {
	want := []string{"8gaussians", "checkerboard", "circles", "digits", "moons", "spirals"}
	if got := LabelledNames(); strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("LabelledNames() = %v, want %v", got, want)
	}
	for _, name := range want {
		d, err := LookupLabelled(name)
		if err != nil {
			t.Fatal(err)
		}
		x, c := d.SampleLabelled(3000, NewRand(11))
		plain := d.Sample(3000, NewRand(11))
		if !mat.Equal(x, plain) {
			t.Errorf("%s: SampleLabelled and Sample draw different points for the same seed", name)
		}
		if name == "spirals" {
			// The registered spirals are noisy; the noise-free ones make the
			// same draws, so they have the same labels.
			x, c = Spirals{}.SampleLabelled(3000, NewRand(11))
		}
		counts := make([]int, d.Classes())
		for i, l := range c {
			if l < 0 || l >= d.Classes() {
				t.Fatalf("%s: label %d outside 0..%d", name, l, d.Classes()-1)
			}
			counts[l]++
			if !onComponent(name, x.RawRowView(i), l) {
				t.Fatalf("%s: point %v is not on component %d", name, x.RawRowView(i), l)
			}
		}
		for k, n := range counts {
			if want := 3000 / d.Classes(); n < want*7/10 || n > want*13/10 {
				t.Errorf("%s: class %d has %d of 3000 points, want about %d", name, k, n, want)
			}
		}
	}
}

func onComponent(name string, p []float64, c int) bool {
	switch name {
	case "moons":
		if c == 0 {
			return math.Abs(math.Hypot(p[0], p[1])-1) < 1e-9 && p[1] >= -1e-12
		}
		return math.Abs(math.Hypot(p[0]-1, p[1]-0.5)-1) < 1e-9 && p[1] <= 0.5+1e-12
	case "8gaussians":
		a := 2 * math.Pi * float64(c) / 8
		return math.Hypot(p[0]-2*math.Cos(a), p[1]-2*math.Sin(a)) < 0.6
	case "checkerboard":
		row := c / 2
		col := 2*(c%2) + row%2
		return math.Floor(p[0]+2) == float64(col) && math.Floor(p[1]+2) == float64(row)
	case "circles":
		return math.Abs(math.Hypot(p[0], p[1])-[]float64{1, 0.5}[c]) < 1e-9
	case "spirals":
		r := math.Hypot(p[0], p[1])
		theta := r * math.Pi // the arm's angle; arm 1 is arm 0 turned by pi
		sign := 1.0
		if c == 1 {
			sign = -1
		}
		return math.Hypot(p[0]-sign*r*math.Cos(theta), p[1]-sign*r*math.Sin(theta)) < 1e-9
	case "digits":
		return true // checked in TestDigits
	}
	return false
}

func TestDigits(t *testing.T) {
	x, labels, err := LoadDigits()
	if err != nil {
		t.Fatal(err)
	}
	if r, c := x.Dims(); r != 1797 || c != 64 || len(labels) != 1797 {
		t.Fatalf("got %dx%d images and %d labels, want 1797x64", r, c, len(labels))
	}
	// The first image of the file is a 0 whose first row is 0,0,5,13,9,1,0,0.
	if labels[0] != 0 || x.At(0, 2) != 5.0/8-1 || x.At(0, 3) != 13.0/8-1 || x.At(0, 0) != -1 {
		t.Errorf("first image: label %d, row %v", labels[0], x.RawRowView(0)[:8])
	}
	// Class sizes of scikit-learn's digits.
	counts := make([]int, 10)
	for _, l := range labels {
		counts[l]++
	}
	if want := []int{178, 182, 177, 183, 181, 182, 181, 179, 174, 180}; !equalInts(counts, want) {
		t.Errorf("class sizes %v, want %v", counts, want)
	}
	for _, v := range x.RawMatrix().Data {
		if v < -1 || v > 1 {
			t.Fatalf("pixel %v outside [-1, 1]", v)
		}
	}
	x.Set(0, 0, 42)
	again, _, _ := LoadDigits()
	if again.At(0, 0) != -1 {
		t.Error("LoadDigits returned shared storage")
	}
	s, c, err := SampleLabelled("digits", 500, 3)
	if err != nil {
		t.Fatal(err)
	}
	// Every sample is one of the images, with its own label.
	for i := range 50 {
		found := false
		for k := range 1797 {
			if labels[k] == c[i] && mat.Equal(s.RowView(i), again.RowView(k)) {
				found = true
				break
			}
		}
		if !found {
			t.Fatalf("sample %d (label %d) is not an image of the data set", i, c[i])
		}
	}
	g, _ := Lookup("gaussian64")
	if g.Dim() != 64 {
		t.Errorf("gaussian64 has dimension %d", g.Dim())
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func gz(s string) []byte {
	var b bytes.Buffer
	w := gzip.NewWriter(&b)
	w.Write([]byte(s))
	w.Close()
	return b.Bytes()
}

func TestDigitsBadInput(t *testing.T) {
	row := strings.Repeat("0,", 64) + "3\n"
	for _, c := range []struct {
		raw  []byte
		want string
	}{
		{[]byte("not gzip"), "data: digits:"},
		{gz("1,2,3\n"), "row 1 has 3 fields, want 65"},
		{gz(strings.Repeat("0,", 64) + "x\n"), `"x" is not an integer`},
		{gz(strings.Repeat("0,", 63) + "17,3\n"), "pixel 17 outside 0..16"},
		{gz(strings.Repeat("0,", 64) + "10\n"), "label 10 outside 0..9"},
		{gz(row + row), "2 rows, want 1797"},
	} {
		if _, _, err := parseDigits(c.raw); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("got %v, want %q", err, c.want)
		}
	}
	if _, err := LookupLabelled("gaussian"); err == nil || !strings.Contains(err.Error(), `"gaussian" has no class labels: use one of 8gaussians`) {
		t.Errorf("unlabelled: %v", err)
	}
	if _, err := LookupLabelled("mnist"); err == nil || !strings.Contains(err.Error(), `unknown distribution "mnist"`) {
		t.Errorf("unknown: %v", err)
	}
	if _, _, err := SampleLabelled("moons", 0, 1); err == nil || !strings.Contains(err.Error(), "positive") {
		t.Errorf("n=0: %v", err)
	}
	if _, err := DigitsMontage(mat.NewDense(2, 63, nil), 2, 2); err == nil || !strings.Contains(err.Error(), "63 pixels") {
		t.Errorf("montage of 63-pixel images: %v", err)
	}
	if _, err := DigitsMontage(mat.NewDense(2, 64, nil), 0, 2); err == nil || !strings.Contains(err.Error(), "positive") {
		t.Errorf("montage with 0 columns: %v", err)
	}
}

func TestDigitsMontage(t *testing.T) {
	x := mat.NewDense(3, 64, nil)
	for j := range 64 {
		x.Set(0, j, -1) // blank
		x.Set(1, j, 1)  // all ink
		x.Set(2, j, 5)  // clipped to ink
	}
	img, err := DigitsMontage(x, 2, 3)
	if err != nil {
		t.Fatal(err)
	}
	cell := 8*3 + 3/2 + 1
	if b := img.Bounds(); b.Dx() != 2*cell+1 || b.Dy() != 2*cell+1 {
		t.Fatalf("montage is %v", b)
	}
	if g := img.GrayAt(1, 1).Y; g != 255 {
		t.Errorf("blank pixel %d, want 255 (white)", g)
	}
	if g := img.GrayAt(cell+1, 1).Y; g != 0 {
		t.Errorf("ink pixel %d, want 0 (black)", g)
	}
	if g := img.GrayAt(1, cell+1).Y; g != 0 {
		t.Errorf("clipped pixel %d, want 0", g)
	}
	if b, err := DigitsPNG(x, 2, 3); err != nil || !bytes.HasPrefix(b, []byte("\x89PNG")) {
		t.Errorf("DigitsPNG: %v", err)
	}
}

func TestCentres(t *testing.T) {
	c := EightGaussians{Radius: 2, Std: 0.1}.Centres()
	x, labels := EightGaussians{Radius: 2}.SampleLabelled(10, NewRand(1))
	for i, l := range labels {
		if !mat.EqualApprox(x.RowView(i), c.RowView(l), 1e-12) {
			t.Errorf("noise-free point of class %d at %v, centre %v", l, x.RawRowView(i), c.RawRowView(l))
		}
	}
}

func TestOfClass(t *testing.T) {
	x := mat.NewDense(3, 2, []float64{1, 2, 3, 4, 5, 6})
	got := OfClass(x, []int{1, 0, 1}, 1)
	if !mat.Equal(got, mat.NewDense(2, 2, []float64{1, 2, 5, 6})) {
		t.Errorf("OfClass = %v", mat.Formatted(got))
	}
	if OfClass(x, []int{1, 0, 1}, 2) != nil {
		t.Error("OfClass of an absent class is not nil")
	}
}

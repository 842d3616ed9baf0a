package plot

import (
	"bytes"
	"image"
	"image/color"
	"image/gif"
	"sort"
	"time"
)

// The palette of an animation: median cut over colours counted in bins of
// 5 bits per channel (see Animate).

const (
	binBits      = 5
	binCount     = 1 << (3 * binBits)
	opaqueColors = 255 // the 256th palette entry is transparent
	transparent  = 255
)

func binOf(r, g, b uint8) int {
	return int(r>>(8-binBits))<<(2*binBits) | int(g>>(8-binBits))<<binBits | int(b>>(8-binBits))
}

// colourBox is a box of colour bins for the median cut.
type colourBox struct {
	bins  []int // bin indices in the box
	count int   // pixels in the box
}

// spread returns the widest channel of the box (0 r, 1 g, 2 b) and its
// range in bins.
func (b colourBox) spread() (channel, width int) {
	lo := [3]int{1 << binBits, 1 << binBits, 1 << binBits}
	hi := [3]int{-1, -1, -1}
	for _, i := range b.bins {
		c := binChannels(i)
		for ch := range 3 {
			lo[ch], hi[ch] = min(lo[ch], c[ch]), max(hi[ch], c[ch])
		}
	}
	for ch := range 3 {
		if hi[ch]-lo[ch] > width {
			channel, width = ch, hi[ch]-lo[ch]
		}
	}
	return channel, width
}

func binChannels(i int) [3]int {
	m := 1<<binBits - 1
	return [3]int{i >> (2 * binBits) & m, i >> binBits & m, i & m}
}

// medianCut returns a palette of at most opaqueColors colours for the
// frames and, for each colour bin, the index of its nearest palette colour.
func medianCut(frames []*image.RGBA) (color.Palette, []uint8) {
	counts := make([]int, binCount)
	sums := make([][3]int, binCount)
	for _, f := range frames {
		for p := 0; p+3 < len(f.Pix); p += 4 {
			r, g, b := f.Pix[p], f.Pix[p+1], f.Pix[p+2]
			i := binOf(r, g, b)
			counts[i]++
			sums[i][0] += int(r)
			sums[i][1] += int(g)
			sums[i][2] += int(b)
		}
	}
	all := colourBox{}
	for i, c := range counts {
		if c > 0 {
			all.bins = append(all.bins, i)
			all.count += c
		}
	}
	boxes := []colourBox{all}
	for len(boxes) < opaqueColors {
		// Split the box with the most pixels times colour spread.
		best, bestScore := -1, 0
		for k, b := range boxes {
			if len(b.bins) < 2 {
				continue
			}
			_, w := b.spread()
			if s := b.count * w; s > bestScore {
				best, bestScore = k, s
			}
		}
		if best < 0 {
			break // every box holds one bin
		}
		b := boxes[best]
		ch, _ := b.spread()
		sort.Slice(b.bins, func(x, y int) bool { return binChannels(b.bins[x])[ch] < binChannels(b.bins[y])[ch] })
		// The median pixel, but never an empty half.
		half, acc, cut := b.count/2, 0, 1
		for k, i := range b.bins {
			acc += counts[i]
			if acc >= half {
				cut = min(max(k+1, 1), len(b.bins)-1)
				break
			}
		}
		lo, hi := colourBox{bins: b.bins[:cut:cut]}, colourBox{bins: b.bins[cut:]}
		for _, i := range lo.bins {
			lo.count += counts[i]
		}
		hi.count = b.count - lo.count
		boxes[best] = lo
		boxes = append(boxes, hi)
	}
	palette := make(color.Palette, 0, opaqueColors+1)
	for _, b := range boxes {
		var s [3]int
		for _, i := range b.bins {
			for ch := range 3 {
				s[ch] += sums[i][ch]
			}
		}
		palette = append(palette, color.RGBA{R: uint8((s[0] + b.count/2) / b.count), G: uint8((s[1] + b.count/2) / b.count),
			B: uint8((s[2] + b.count/2) / b.count), A: 0xff})
	}
	// The nearest palette colour of each bin that occurs (by the bin's
	// mean colour).
	lut := make([]uint8, binCount)
	for i, c := range counts {
		if c == 0 {
			continue
		}
		r, g, b := sums[i][0]/c, sums[i][1]/c, sums[i][2]/c
		best, bestD := 0, 1<<30
		for k, p := range palette {
			q := p.(color.RGBA)
			dr, dg, db := r-int(q.R), g-int(q.G), b-int(q.B)
			if d := 2*dr*dr + 4*dg*dg + 3*db*db; d < bestD { // rough perceptual weights
				best, bestD = k, d
			}
		}
		lut[i] = uint8(best)
	}
	return palette, lut
}

// encodeGIF encodes the frames (all of one size) as a looping GIF with
// one shared palette; frames after the first hold only the rectangle that
// changed, unchanged pixels transparent. It returns the file and the
// number of opaque colours.
func encodeGIF(frames []*image.RGBA, delay, hold time.Duration) ([]byte, int) {
	palette, lut := medianCut(frames)
	colours := len(palette)
	for len(palette) < transparent { // unused entries, opaque: the GIF encoder takes the first transparent entry as "transparent"
		palette = append(palette, color.RGBA{A: 0xff})
	}
	palette = append(palette, color.RGBA{}) // index 255: transparent
	bounds := frames[0].Bounds()
	w, h := bounds.Dx(), bounds.Dy()
	index := func(f *image.RGBA) []uint8 {
		out := make([]uint8, w*h)
		for y := range h {
			row := f.Pix[y*f.Stride:]
			for x := range w {
				p := 4 * x
				out[y*w+x] = lut[binOf(row[p], row[p+1], row[p+2])]
			}
		}
		return out
	}
	cs := func(d time.Duration) int { return max(2, int((d+5*time.Millisecond)/(10*time.Millisecond))) }
	g := &gif.GIF{LoopCount: 0, Config: image.Config{ColorModel: palette, Width: w, Height: h}}
	var prev []uint8
	for k, f := range frames {
		cur := index(f)
		var img *image.Paletted
		if prev == nil {
			img = &image.Paletted{Pix: cur, Stride: w, Rect: image.Rect(0, 0, w, h), Palette: palette}
		} else {
			// The rectangle where the frame differs from the previous one.
			x0, y0, x1, y1 := w, h, -1, -1
			for y := range h {
				for x := range w {
					if cur[y*w+x] != prev[y*w+x] {
						x0, y0, x1, y1 = min(x0, x), min(y0, y), max(x1, x), max(y1, y)
					}
				}
			}
			if x1 < 0 { // no change: one transparent pixel
				x0, y0, x1, y1 = 0, 0, 0, 0
			}
			r := image.Rect(x0, y0, x1+1, y1+1)
			img = image.NewPaletted(r, palette)
			for y := r.Min.Y; y < r.Max.Y; y++ {
				for x := r.Min.X; x < r.Max.X; x++ {
					c := cur[y*w+x]
					if c == prev[y*w+x] {
						c = transparent
					}
					img.Pix[(y-r.Min.Y)*img.Stride+(x-r.Min.X)] = c
				}
			}
		}
		d := cs(delay)
		if k == len(frames)-1 {
			d = cs(delay + hold)
		}
		g.Image = append(g.Image, img)
		g.Delay = append(g.Delay, d)
		g.Disposal = append(g.Disposal, gif.DisposalNone)
		prev = cur
	}
	var buf bytes.Buffer
	if err := gif.EncodeAll(&buf, g); err != nil {
		// The frames are built above to be valid: an error here is a bug.
		panic("plot: encoding the GIF: " + err.Error())
	}
	return buf.Bytes(), colours
}

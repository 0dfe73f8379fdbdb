package chart

import (
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"io"
	"math"
	"strings"

	"golang.org/x/image/font"
	"golang.org/x/image/font/basicfont"
	"golang.org/x/image/math/fixed"
)

// Panel is one chart of an image: a *Line or a *Bars.
type Panel interface {
	draw(c *canvas, r image.Rectangle)
}

// Palette is the colour of each series or bar group, in order.
var Palette = []color.RGBA{
	{0x1f, 0x77, 0xb4, 0xff}, {0xff, 0x7f, 0x0e, 0xff}, {0x2c, 0xa0, 0x2c, 0xff},
	{0xd6, 0x27, 0x28, 0xff}, {0x94, 0x67, 0xbd, 0xff}, {0x8c, 0x56, 0x4b, 0xff},
}

var (
	black = color.RGBA{0x22, 0x22, 0x22, 0xff}
	grid  = color.RGBA{0xe0, 0xe0, 0xe0, 0xff}
	white = color.RGBA{0xff, 0xff, 0xff, 0xff}
)

// Render draws the panels stacked from top to bottom, each width x
// panelHeight pixels.
func Render(width, panelHeight int, panels ...Panel) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, width, panelHeight*len(panels)))
	draw.Draw(img, img.Bounds(), image.NewUniform(white), image.Point{}, draw.Src)
	c := &canvas{img: img}
	for i, p := range panels {
		p.draw(c, image.Rect(0, i*panelHeight, width, (i+1)*panelHeight))
	}
	return img
}

// WritePNG renders the panels (see Render) and encodes them as PNG.
func WritePNG(w io.Writer, width, panelHeight int, panels ...Panel) error {
	if width < 200 || panelHeight < 120 || len(panels) == 0 {
		return fmt.Errorf("chart: %dx%d with %d panels is too small to draw", width, panelHeight, len(panels))
	}
	return png.Encode(w, Render(width, panelHeight, panels...))
}

type canvas struct{ img *image.RGBA }

const (
	charW, lineH = 7, 13
	marginL      = 70 // room for y tick labels
	marginR      = 20
	marginT      = 30 // title and y label
	marginB      = 40 // x tick labels and x label
)

// text draws s; basicfont has ASCII only, so µ is written as u.
func (c *canvas) text(x, y int, s string, col color.Color) {
	s = strings.ReplaceAll(s, "µ", "u")
	d := font.Drawer{Dst: c.img, Src: image.NewUniform(col), Face: basicfont.Face7x13, Dot: fixed.P(x, y)}
	d.DrawString(s)
}

func (c *canvas) rect(r image.Rectangle, col color.Color) {
	draw.Draw(c.img, r, image.NewUniform(col), image.Point{}, draw.Over)
}

// line draws a 2-pixel line from (x0,y0) to (x1,y1).
func (c *canvas) line(x0, y0, x1, y1 int, col color.Color) {
	dx, dy := abs(x1-x0), -abs(y1-y0)
	sx, sy := sign(x1-x0), sign(y1-y0)
	e := dx + dy
	for {
		c.img.Set(x0, y0, col)
		c.img.Set(x0, y0+1, col)
		if x0 == x1 && y0 == y1 {
			return
		}
		if e2 := 2 * e; e2 >= dy {
			e += dy
			x0 += sx
		} else {
			e += dx
			y0 += sy
		}
	}
}

func abs(v int) int { return max(v, -v) }
func sign(v int) int {
	switch {
	case v > 0:
		return 1
	case v < 0:
		return -1
	}
	return 0
}

// frame draws the title, axis labels and the plot area's box, and
// returns the plot area.
func (c *canvas) frame(r image.Rectangle, title, xlabel, ylabel string) image.Rectangle {
	c.text(r.Min.X+marginL, r.Min.Y+lineH+2, title, black)
	if ylabel != "" {
		c.text(r.Max.X-marginR-charW*len(ylabel), r.Min.Y+lineH+2, ylabel, black)
	}
	plot := image.Rect(r.Min.X+marginL, r.Min.Y+marginT, r.Max.X-marginR, r.Max.Y-marginB)
	c.text(plot.Min.X+(plot.Dx()-charW*len(xlabel))/2, r.Max.Y-6, xlabel, black)
	return plot
}

// yAxis draws horizontal grid lines and labels for 0..top and returns
// the function mapping a value to a pixel row.
func (c *canvas) yAxis(plot image.Rectangle, top float64) func(float64) int {
	step := niceStep(top / 5)
	top = math.Max(step, math.Ceil(top/step)*step)
	y := func(v float64) int { return plot.Max.Y - int(v/top*float64(plot.Dy())) }
	for v := 0.0; v <= top*1.0001; v += step {
		py := y(v)
		c.rect(image.Rect(plot.Min.X, py, plot.Max.X, py+1), grid)
		lbl := FormatValue(v)
		c.text(plot.Min.X-6-charW*len(lbl), py+4, lbl, black)
	}
	c.rect(image.Rect(plot.Min.X, plot.Min.Y, plot.Min.X+1, plot.Max.Y), black)
	c.rect(image.Rect(plot.Min.X, plot.Max.Y, plot.Max.X, plot.Max.Y+1), black)
	return y
}

// niceStep rounds v up to 1, 2 or 5 times a power of ten.
func niceStep(v float64) float64 {
	if v <= 0 || math.IsNaN(v) || math.IsInf(v, 0) {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 2, 5, 10} {
		if m*p >= v {
			return m * p
		}
	}
	return 10 * p
}

// FormatValue writes v compactly for an axis or a bar: 1.5k, 2M, 0.25.
func FormatValue(v float64) string {
	a := math.Abs(v)
	switch {
	case a >= 1e9:
		return trim(v/1e9) + "G"
	case a >= 1e6:
		return trim(v/1e6) + "M"
	case a >= 1e3:
		return trim(v/1e3) + "k"
	}
	return trim(v)
}

func trim(v float64) string {
	s := fmt.Sprintf("%.2f", v)
	for s[len(s)-1] == '0' {
		s = s[:len(s)-1]
	}
	if s[len(s)-1] == '.' {
		s = s[:len(s)-1]
	}
	return s
}

package chart

import (
	"image"
	"math"
)

// Series is one line: Y[i] at X[i], X increasing.
type Series struct {
	Name string
	X, Y []float64
}

// Line is a line chart of one or more series on shared axes starting at 0.
type Line struct {
	Title, XLabel, YLabel string
	Series                []Series
}

func (l *Line) draw(c *canvas, r image.Rectangle) {
	plot := c.frame(r, l.Title, l.XLabel, l.YLabel)
	var xmax, ymax float64
	for _, s := range l.Series {
		for i := range min(len(s.X), len(s.Y)) {
			xmax, ymax = math.Max(xmax, s.X[i]), math.Max(ymax, s.Y[i])
		}
	}
	if xmax == 0 {
		xmax = 1
	}
	y := c.yAxis(plot, ymax)
	x := func(v float64) int { return plot.Min.X + int(v/xmax*float64(plot.Dx())) }
	step := niceStep(xmax / 8)
	for v := 0.0; v <= xmax*1.0001; v += step {
		lbl := FormatValue(v)
		c.text(x(v)-charW*len(lbl)/2, plot.Max.Y+lineH+2, lbl, black)
	}
	for si, s := range l.Series {
		col := Palette[si%len(Palette)]
		n := min(len(s.X), len(s.Y))
		for i := 1; i < n; i++ {
			c.line(x(s.X[i-1]), y(s.Y[i-1]), x(s.X[i]), y(s.Y[i]), col)
		}
		if n == 1 {
			c.rect(image.Rect(x(s.X[0])-2, y(s.Y[0])-2, x(s.X[0])+2, y(s.Y[0])+2), col)
		}
		if len(l.Series) > 1 {
			lx := plot.Min.X + 10 + si*(plot.Dx()/len(l.Series))
			c.rect(image.Rect(lx, plot.Min.Y+6, lx+12, plot.Min.Y+10), col)
			c.text(lx+16, plot.Min.Y+12, s.Name, black)
		}
	}
}

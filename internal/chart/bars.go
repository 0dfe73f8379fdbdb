package chart

import "image"

// Bars is a bar chart: one bar per label in each group, groups side by
// side within a label (for example msg/s and memory per server).
type Bars struct {
	Title, XLabel, YLabel string
	Labels                []string
	Groups                []Group
	// ShowValues writes each bar's value above it.
	ShowValues bool
	// EveryNthLabel prints only every n-th label (0 or 1: all), for
	// dense distributions.
	EveryNthLabel int
}

// Group is one set of bars, a value per label.
type Group struct {
	Name   string
	Values []float64
}

func (b *Bars) draw(c *canvas, r image.Rectangle) {
	plot := c.frame(r, b.Title, b.XLabel, b.YLabel)
	var top float64
	for _, g := range b.Groups {
		for _, v := range g.Values {
			top = max(top, v)
		}
	}
	y := c.yAxis(plot, top*1.1)
	n := len(b.Labels)
	if n == 0 || len(b.Groups) == 0 {
		return
	}
	slot := plot.Dx() / n
	barW := max(1, (slot*8/10)/len(b.Groups))
	every := max(1, b.EveryNthLabel)
	for i, lbl := range b.Labels {
		x0 := plot.Min.X + i*slot + slot/10
		for gi, g := range b.Groups {
			if i >= len(g.Values) || g.Values[i] <= 0 {
				continue
			}
			bx := x0 + gi*barW
			c.rect(image.Rect(bx, y(g.Values[i]), bx+barW-1, plot.Max.Y), Palette[gi%len(Palette)])
			if b.ShowValues {
				v := FormatValue(g.Values[i])
				c.text(bx+(barW-charW*len(v))/2, y(g.Values[i])-3, v, black)
			}
		}
		if i%every == 0 {
			if room := slot*every/charW - 1; len(lbl) > room && room > 0 {
				lbl = lbl[:room]
			}
			c.text(plot.Min.X+i*slot+(slot-charW*len(lbl))/2, plot.Max.Y+lineH+2, lbl, black)
		}
	}
	if len(b.Groups) > 1 {
		for gi, g := range b.Groups {
			lx := plot.Min.X + 10 + gi*(plot.Dx()/len(b.Groups))
			c.rect(image.Rect(lx, plot.Min.Y+6, lx+12, plot.Min.Y+10), Palette[gi%len(Palette)])
			c.text(lx+16, plot.Min.Y+12, g.Name, black)
		}
	}
}

package chart

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"testing"
)

func count(img image.Image, r image.Rectangle, want color.RGBA) int {
	n := 0
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			if color.RGBAModel.Convert(img.At(x, y)) == want {
				n++
			}
		}
	}
	return n
}

func TestRenderPanels(t *testing.T) {
	t.Parallel()
	line := &Line{Title: "throughput", XLabel: "seconds", YLabel: "msg/s", Series: []Series{
		{Name: "a", X: []float64{1, 2, 3, 4}, Y: []float64{10, 20, 15, 30}},
		{Name: "b", X: []float64{1, 2, 3, 4}, Y: []float64{5, 5, 5, 5}},
	}}
	bars := &Bars{Title: "latency", XLabel: "µs", Labels: []string{"10", "20", "40"}, ShowValues: true,
		Groups: []Group{{Name: "count", Values: []float64{3, 0, 9}}}}
	var buf bytes.Buffer
	if err := WritePNG(&buf, 600, 240, line, bars); err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if b := img.Bounds(); b.Dx() != 600 || b.Dy() != 480 {
		t.Fatalf("image is %v", b)
	}
	top, bottom := image.Rect(0, 0, 600, 240), image.Rect(0, 240, 600, 480)
	// Both series are drawn in the top panel, only there.
	if count(img, top, Palette[0]) < 100 || count(img, top, Palette[1]) < 100 {
		t.Fatalf("series pixels: %d, %d", count(img, top, Palette[0]), count(img, top, Palette[1]))
	}
	// The bar chart has one group: its bars are the first colour, and
	// the 9 is three times as tall as the 3.
	plot := image.Rect(marginL, 240+marginT, 600-marginR, 480-marginB)
	slot := plot.Dx() / 3
	height := func(i int) int {
		x := plot.Min.X + i*slot + slot/10 + 1
		return count(img, image.Rect(x, plot.Min.Y, x+1, plot.Max.Y), Palette[0])
	}
	if h0, h1, h2 := height(0), height(1), height(2); h1 != 0 || h0 == 0 || h2 < 3*h0-3 || h2 > 3*h0+3 {
		t.Fatalf("bar heights %d %d %d", h0, h1, h2)
	}
	if count(img, bottom, Palette[1]) != 0 {
		t.Fatal("a second colour in a one-group bar chart")
	}
	// Titles are written.
	if count(img, image.Rect(marginL, 0, 300, marginT), black) == 0 || count(img, image.Rect(marginL, 240, 300, 240+marginT), black) == 0 {
		t.Fatal("no title text")
	}
}

func TestWritePNGRejectsTiny(t *testing.T) {
	t.Parallel()
	if err := WritePNG(&bytes.Buffer{}, 10, 10, &Line{}); err == nil {
		t.Fatal("a 10x10 chart was drawn")
	}
	if err := WritePNG(&bytes.Buffer{}, 600, 200); err == nil {
		t.Fatal("a chart without panels was drawn")
	}
}

func TestEmptyPanels(t *testing.T) {
	t.Parallel()
	// No data draws axes only, without panicking.
	Render(400, 200, &Line{Title: "none"}, &Bars{Title: "none"}, &Line{Series: []Series{{X: []float64{0}, Y: []float64{0}}}})
}

func TestFormatValue(t *testing.T) {
	t.Parallel()
	tests := []struct {
		v    float64
		want string
	}{
		{0, "0"}, {0.25, "0.25"}, {1, "1"}, {1500, "1.5k"}, {2e6, "2M"}, {123456, "123.46k"}, {3e9, "3G"}, {-2000, "-2k"},
	}
	for _, tc := range tests {
		if got := FormatValue(tc.v); got != tc.want {
			t.Errorf("FormatValue(%v) = %q, want %q", tc.v, got, tc.want)
		}
	}
	for _, tc := range []struct{ in, want float64 }{{0.3, 0.5}, {1, 1}, {1.1, 2}, {3, 5}, {7, 10}, {0, 1}, {4200, 5000}} {
		if got := niceStep(tc.in); got != tc.want {
			t.Errorf("niceStep(%v) = %v, want %v", tc.in, got, tc.want)
		}
	}
}

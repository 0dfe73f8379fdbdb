// Package chart draws the simple PNG charts of `tlskit bench` and of the
// benchmark comparison: line charts (a quantity over time) and bar charts
// (a distribution, or one figure per server), stacked as panels of one
// image. It uses only image/png and the fixed 7x13 font of
// golang.org/x/image/font/basicfont, so it needs no fonts on the machine.
package chart

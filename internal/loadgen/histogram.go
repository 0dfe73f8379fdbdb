package loadgen

import (
	"math"
	"math/bits"
	"sync/atomic"
	"time"
)

// The histogram is log-linear in the style of HdrHistogram: values below
// 2*subBuckets nanoseconds have a bucket each, and every power of two above
// is split into subBuckets equal buckets. A value is thus known to within
// 1/subBuckets (0.8 %) of itself, with a fixed 35 KiB of counters for the
// whole range up to maxTrackable.
const (
	subBits    = 7
	subBuckets = 1 << subBits
	// maxExp is the largest power of two tracked: 2^40 ns is about 18
	// minutes; longer values land in the last bucket (Max stays exact).
	maxExp     = 40
	numBuckets = 2*subBuckets + (maxExp-subBits)*subBuckets
)

// Histogram records durations. Record is safe for concurrent use and does
// not allocate; the read methods may run concurrently with Record and see
// a consistent-enough view for a progress display.
type Histogram struct {
	counts [numBuckets]atomic.Int64
	total  atomic.Int64
	sum    atomic.Int64
	min    atomic.Int64 // 0 means unset; values are stored +1
	max    atomic.Int64
}

func bucketOf(v int64) int {
	if v < 2*subBuckets {
		return int(v)
	}
	e := bits.Len64(uint64(v)) - (subBits + 1) // v>>e is in [subBuckets, 2*subBuckets)
	i := 2*subBuckets + (e-1)*subBuckets + int(v>>e) - subBuckets
	if i >= numBuckets {
		return numBuckets - 1
	}
	return i
}

// bucketRange returns the smallest and largest value of bucket i.
func bucketRange(i int) (lo, hi int64) {
	if i < 2*subBuckets {
		return int64(i), int64(i)
	}
	j := i - 2*subBuckets
	e := j/subBuckets + 1
	m := int64(j%subBuckets + subBuckets)
	return m << e, (m+1)<<e - 1
}

// Record adds one duration; negative durations count as zero.
func (h *Histogram) Record(d time.Duration) {
	v := int64(d)
	if v < 0 {
		v = 0
	}
	h.counts[bucketOf(v)].Add(1)
	h.total.Add(1)
	h.sum.Add(v)
	for {
		cur := h.min.Load()
		if cur != 0 && cur-1 <= v || h.min.CompareAndSwap(cur, v+1) {
			break
		}
	}
	for {
		cur := h.max.Load()
		if cur >= v || h.max.CompareAndSwap(cur, v) {
			break
		}
	}
}

// Count returns the number of recorded values.
func (h *Histogram) Count() int64 { return h.total.Load() }

// Min returns the smallest recorded value (0 when empty).
func (h *Histogram) Min() time.Duration {
	if m := h.min.Load(); m != 0 {
		return time.Duration(m - 1)
	}
	return 0
}

// Max returns the largest recorded value, exactly.
func (h *Histogram) Max() time.Duration { return time.Duration(h.max.Load()) }

// Mean returns the average of the recorded values.
func (h *Histogram) Mean() time.Duration {
	n := h.total.Load()
	if n == 0 {
		return 0
	}
	return time.Duration(h.sum.Load() / n)
}

// Percentile returns the value below which q (0..1] of the recorded values
// lie: the middle of the bucket holding the rank-th value, clamped to the
// exact Min and Max; the first and last rank are Min and Max themselves.
// It is 0 for an empty histogram.
func (h *Histogram) Percentile(q float64) time.Duration {
	n := h.total.Load()
	if n == 0 {
		return 0
	}
	rank := int64(math.Ceil(q * float64(n)))
	switch {
	case rank >= n:
		return h.Max()
	case rank <= 1:
		return h.Min()
	}
	var seen int64
	for i := range h.counts {
		seen += h.counts[i].Load()
		if seen >= rank {
			lo, hi := bucketRange(i)
			v := time.Duration(lo + (hi-lo)/2)
			return max(h.Min(), min(v, h.Max()))
		}
	}
	return h.Max()
}

// Bin is one range of a histogram summary: Count values between Lo and Hi.
type Bin struct {
	Lo    time.Duration `json:"lo_ns"`
	Hi    time.Duration `json:"hi_ns"`
	Count int64         `json:"count"`
}

// Bins folds the histogram into at most n bins of equal width on a log
// scale between Min and Max, for a chart. Empty histograms give no bins.
func (h *Histogram) Bins(n int) []Bin {
	if h.Count() == 0 || n < 1 {
		return nil
	}
	lo, hi := float64(max(h.Min(), 1)), float64(max(h.Max(), 1))
	if hi <= lo {
		return []Bin{{Lo: h.Min(), Hi: h.Max(), Count: h.Count()}}
	}
	step := math.Log(hi/lo) / float64(n)
	bins := make([]Bin, n)
	for i := range bins {
		bins[i].Lo = time.Duration(lo * math.Exp(step*float64(i)))
		bins[i].Hi = time.Duration(lo * math.Exp(step*float64(i+1)))
	}
	for i := range h.counts {
		c := h.counts[i].Load()
		if c == 0 {
			continue
		}
		blo, bhi := bucketRange(i)
		mid := float64(max(blo+(bhi-blo)/2, 1))
		k := int(math.Log(mid/lo) / step)
		bins[max(0, min(k, n-1))].Count += c
	}
	return bins
}

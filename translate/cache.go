package translate

import (
	"container/list"
	"sync"
)

// Cache remembers recent translations, so repeated texts (reminders, form
// questions) are translated once. It is bounded by entry count and bytes.
type Cache struct {
	mu       sync.Mutex
	maxItems int
	maxBytes int
	bytes    int
	order    *list.List
	items    map[string]*list.Element
	hits     int
	misses   int
}

type cacheEntry struct {
	key, value string
}

// NewCache holds at most maxItems translations and about maxBytes of text.
func NewCache(maxItems, maxBytes int) *Cache {
	return &Cache{maxItems: maxItems, maxBytes: maxBytes, order: list.New(), items: make(map[string]*list.Element)}
}

func (c *Cache) Get(key string) (string, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.items[key]
	if !ok {
		c.misses++
		return "", false
	}
	c.hits++
	c.order.MoveToFront(el)
	return el.Value.(*cacheEntry).value, true
}

func (c *Cache) Put(key, value string) {
	size := len(key) + len(value)
	if size > c.maxBytes/4 {
		return // one huge text must not flush everything else
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.items[key]; ok {
		old := el.Value.(*cacheEntry)
		c.bytes += len(value) - len(old.value)
		old.value = value
		c.order.MoveToFront(el)
	} else {
		c.items[key] = c.order.PushFront(&cacheEntry{key: key, value: value})
		c.bytes += size
	}
	for c.order.Len() > c.maxItems || c.bytes > c.maxBytes {
		last := c.order.Back()
		e := last.Value.(*cacheEntry)
		c.order.Remove(last)
		delete(c.items, e.key)
		c.bytes -= len(e.key) + len(e.value)
	}
}

// Stats reports hits and misses since the cache was made.
func (c *Cache) Stats() (hits, misses, entries int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.hits, c.misses, c.order.Len()
}

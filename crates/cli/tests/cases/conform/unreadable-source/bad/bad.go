package x
ÿþ const
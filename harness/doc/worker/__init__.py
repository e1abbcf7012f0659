"""doc/worker"""

"""bench/worker"""

package redis

const helperEnv = "QREDIS_HELPER"

func helperMain() int { return 0 }

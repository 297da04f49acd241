// switchyard: the command-line entry point.
print("switchyard")

print("pneumo")

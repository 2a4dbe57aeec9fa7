# expect: status=denied exception=PermissionError class=os-layer
# Listing the folder that holds every run's scratch folder: the policy allows listings, the
# jail (Landlock) does not let a run see its neighbours.
import os
print(os.listdir(os.path.dirname(os.getcwd())))

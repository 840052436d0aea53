# %% [markdown]
# ### Weight-sharing searches (supernet; see notebook 07 for the details)
# Rows of DARTS, GDAS, DARTS-PT, DrNAS and VIM-NAS: the supernet searches on the NB201
# search split of CIFAR-10; accuracies are the NB201 200-epoch test accuracies of the
# derived architectures (mean ± std over seeds), beside the papers' numbers.

# %%
from nasbook.supernet import experiments as _ws

_ws_cfg = _ws.settings(profile)
_ws_results = [_ws.run(m, seed=s, profile=profile, progress=False)
               for m in _ws_cfg["methods"] for s in _ws_cfg["seeds"]]
weight_sharing = _ws.search_table(_ws_results)
out.table(weight_sharing, "weight_sharing_rows")
weight_sharing

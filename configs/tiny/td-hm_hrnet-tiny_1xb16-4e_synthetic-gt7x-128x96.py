# Paper Fig. 4a "GT (7x)" in miniature: the stage-1 tiny HRNet of
# td-hm_hrnet-tiny_1xb16-4e_synthetic-128x96.py ("GT (1x)": every 7th frame labelled), trained on
# the ground truth of every frame instead (7x the manual labels), same schedule.
_base_ = ['./td-hm_hrnet-tiny_1xb16-4e_synthetic-128x96.py']

train_dataloader = dict(dataset=dict(label_interval=1))

# Paper Fig. 4a "GT (1x) + pGT (6x)" on PoseTrack18: the same model trained on the labelled frames
# of "GT (1x)" plus the poses PoseWarper propagated from them to the ±3 neighbouring frames
# (tools/propagate.py --label-interval 7 --method posewarper on the training json; see
# docs/propagation.md).
_base_ = ['./td-hm_hrnet-w48_8xb16-10e_posetrack18-384x288.py']

# GT of the labelled frames + pseudo-labels, relative to data_root (tools/propagate.py --out)
pseudo_ann_file = 'annotations/posetrack18_train_pseudo-posewarper.json'

train_dataloader = dict(
    dataset=dict(type='PoseTrackSparseDataset', ann_file=pseudo_ann_file, label_interval=1))

# Paper Fig. 4a "GT (1x) + pGT (6x)" in miniature: the stage-1 tiny HRNet of
# td-hm_hrnet-tiny_1xb16-4e_synthetic-128x96.py ("GT (1x)"), trained on its labelled frames (every
# 7th) plus the poses PoseWarper propagated from them to the ±3 neighbouring frames. Make the
# pseudo-label json first (docs/propagation.md):
#   python tools/propagate.py --ann-file data/synthetic/annotations/posetrack18_train.json \
#       --data-root data/synthetic --label-interval 7 --method posewarper \
#       --config configs/tiny/posewarper_hrnet-tiny_1xb8-4e_synthetic-128x96.py \
#       --checkpoint work_dirs/posewarper_hrnet-tiny_1xb8-4e_synthetic-128x96/epoch_4.pth \
#       --out data/synthetic/annotations/posetrack18_train_pseudo-posewarper.json
_base_ = ['./td-hm_hrnet-tiny_1xb16-4e_synthetic-128x96.py']

# GT of the labelled frames + pseudo-labels, relative to data_root (tools/propagate.py --out)
pseudo_ann_file = 'annotations/posetrack18_train_pseudo-posewarper.json'

# every frame of the pseudo-label json that carries a pose (GT or pseudo) is a training frame
train_dataloader = dict(dataset=dict(ann_file=pseudo_ann_file, label_interval=1))

# Pretraining of the tiny single-frame model: the demo's analogue of the COCO-pretrained
# HRNet-W48 that the paper fine-tunes on PoseTrack. Single frames, densely labelled, from a
# pretraining set whose seed is disjoint from the demo's training and test videos, with more
# people per frame (2-5 instead of 2-3). Generate it and train with (docs/demo.md):
#
#   python tools/make_synthetic_posetrack.py --out data/synthetic-pretrain --split train \
#       --videos 600 --frames 3 --people-min 2 --people-max 5 --seed 7000001
#   python tools/make_synthetic_posetrack.py --out data/synthetic-pretrain --split val \
#       --videos 30 --frames 3 --people-min 2 --people-max 5 --seed 7000001
#   python tools/train.py configs/tiny/td-hm_hrnet-tiny_1xb16-20e_synthetic-pretrain-128x96.py
_base_ = ['./td-hm_hrnet-tiny_1xb16-4e_synthetic-128x96.py']

data_root = 'data/synthetic-pretrain/'
train_cfg = dict(max_epochs=20, val_interval=5)
param_scheduler = [dict(type='MultiStepLR', begin=0, end=20, milestones=[16, 19], gamma=0.1,
                        by_epoch=True)]
# every epoch is kept: docs/demo.md fine-tunes the demo from several points along the way
default_hooks = dict(checkpoint=dict(interval=1, max_keep_ckpts=-1, save_best=None))

# dense labels: every generated frame is a training sample
train_dataloader = dict(dataset=dict(data_root=data_root, label_interval=1))
val_dataloader = dict(dataset=dict(data_root=data_root))
test_dataloader = val_dataloader
val_evaluator = dict(ann_file=data_root + 'annotations/posetrack18_val.json')
test_evaluator = val_evaluator

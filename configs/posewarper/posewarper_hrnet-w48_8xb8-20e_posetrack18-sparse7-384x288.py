# The paper's sparse chain, stage 2: PoseWarper trained on the labels of one frame in 7 only,
# on top of the stage 1 trained on the same labels (Fig. 4a "GT (1x)"), as the official code's
# sparse experiments use sparse labels in both stages. The chain (configs/posewarper/; the
# commands are in docs/propagation.md):
#   1. tools/train.py td-hm_hrnet-w48_8xb16-10e_posetrack18-gt1x-384x288.py (stage 1, sparse)
#   2. tools/train.py with this config (stage 2, the same labels)
#   3. tools/propagate.py --label-interval 7 --method posewarper with this config and its final
#      checkpoint, --out data/posetrack18/annotations/posetrack18_train_pseudo-posewarper.json
#   4. tools/train.py td-hm_hrnet-w48_8xb16-10e_posetrack18-gt1x-pgt6x-384x288.py (GT1x + pGT6x)
# The dense reference pair: td-hm_hrnet-w48_8xb16-10e_posetrack18-384x288.py and
# posewarper_hrnet-w48_8xb8-20e_posetrack18-384x288.py.
_base_ = ['./posewarper_hrnet-w48_8xb8-20e_posetrack18-384x288.py']

# the final stage-1 checkpoint of the GT (1x) config's default work dir
load_from = 'work_dirs/td-hm_hrnet-w48_8xb16-10e_posetrack18-gt1x-384x288/epoch_10.pth'

train_dataloader = dict(dataset=dict(label_interval=7, label_phase=0))
